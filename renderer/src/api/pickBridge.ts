/** Picks the station bridge: Electron's preload, or HTTP to the serving station. */
import { BRIDGE_GLOBAL, type StationBridge } from "../../../core/api/StationBridge.ts"
import { makeHttpBridge } from "./HttpBridge.ts"

/** Electron's preload puts the bridge on window; a plain browser served by the station talks HTTP to its origin. */
export const pickBridge = (scope: Window & typeof globalThis): StationBridge => {
  const exposed = (scope as unknown as Record<string, StationBridge | undefined>)[BRIDGE_GLOBAL]
  return exposed ?? makeHttpBridge({ baseUrl: scope.location.origin })
}
