import { describe, expect, it } from "vitest"
import { allowPermissionCheck, allowPermissionRequest } from "./permissionPolicy.ts"

const page = "app://packbench/index.html"

describe("permission policy", () => {
  it("grants the camera to the app's page", () => {
    expect(allowPermissionRequest("media", { requestingUrl: page, mediaTypes: ["video"] })).toBe(true)
    expect(allowPermissionCheck("media", "app://packbench", { mediaType: "video" })).toBe(true)
  })

  it("refuses the microphone, other origins and a media request that names nothing", () => {
    expect(allowPermissionRequest("media", { requestingUrl: page, mediaTypes: ["video", "audio"] })).toBe(false)
    expect(allowPermissionRequest("media", { requestingUrl: page, mediaTypes: [] })).toBe(false)
    expect(allowPermissionRequest("media", { requestingUrl: page })).toBe(false)
    expect(allowPermissionRequest("media", { requestingUrl: "https://evil.example/", mediaTypes: ["video"] })).toBe(
      false
    )
    expect(allowPermissionCheck("media", "app://packbench", { mediaType: "audio" })).toBe(false)
    expect(allowPermissionCheck("media", "https://evil.example", { mediaType: "video" })).toBe(false)
  })

  it("refuses every other permission, even to the app's page", () => {
    for (const permission of [
      "notifications",
      "geolocation",
      "display-capture",
      "openExternal",
      "clipboard-read",
      "fullscreen"
    ]) {
      expect(allowPermissionRequest(permission, { requestingUrl: page, mediaTypes: ["video"] })).toBe(false)
      expect(allowPermissionCheck(permission, "app://packbench", {})).toBe(false)
    }
  })
})
