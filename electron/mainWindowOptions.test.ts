import { describe, expect, it } from "vitest"
import { mainWindowOptions } from "./mainWindowOptions.ts"

describe("mainWindowOptions", () => {
  it("isolates and sandboxes the renderer, with no Node.js anywhere, and uses the given preload", () => {
    const options = mainWindowOptions("/cache/preload.cjs")
    expect(options.webPreferences).toMatchObject({
      preload: "/cache/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false
    })
    expect(options.webPreferences).not.toHaveProperty("experimentalFeatures")
    expect(options.webPreferences).not.toHaveProperty("enableBlinkFeatures")
  })
})
