/** The desktop app's one window: sandboxed, isolated, with only the preload's bridge. */
import type { BrowserWindowConstructorOptions } from "electron"

/**
 * The one window: an isolated, sandboxed renderer with no Node.js, whose only way out is the preload's narrow bridge
 * (Electron security checklist items 2–4, 6, 9 and 12).
 */
export const mainWindowOptions = (preload: string): BrowserWindowConstructorOptions => ({
  title: "Packbench",
  width: 1280,
  height: 820,
  minWidth: 800,
  minHeight: 600,
  show: false,
  webPreferences: {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false
  }
})
