// Runs in the sandboxed preload, which cannot load ES modules or anything but `electron` from Node: bundlePreload
// turns this file and its imports into one CommonJS script before the window opens.
import { contextBridge, ipcRenderer } from "electron"
import { BRIDGE_GLOBAL } from "../core/api/StationBridge.ts"
import { makePreloadBridge } from "./preloadBridge.ts"

const bridge = makePreloadBridge(ipcRenderer)

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, {
  call: bridge.call,
  onPush: bridge.onPush,
  onConnection: bridge.onConnection
})
