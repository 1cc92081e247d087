import { FuseV1Options, FuseVersion } from "@electron/fuses"
import { describe, expect, it } from "vitest"
import { desktopFuses } from "./desktopFuses.ts"

describe("desktopFuses", () => {
  it("turns off every way to run the binary as something else, and on the cookie and asar guards", () => {
    expect(desktopFuses.version).toBe(FuseVersion.V1)
    expect(desktopFuses[FuseV1Options.RunAsNode]).toBe(false)
    expect(desktopFuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false)
    expect(desktopFuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false)
    expect(desktopFuses[FuseV1Options.EnableCookieEncryption]).toBe(true)
    expect(desktopFuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true)
    expect(desktopFuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true)
  })

  it("decides every fuse @electron/fuses knows, and makes flipping fail on one it does not", () => {
    const known = Object.values(FuseV1Options).filter((value): value is number => typeof value === "number")
    expect(known.length).toBeGreaterThanOrEqual(8)
    for (const fuse of known) expect(typeof (desktopFuses as Record<number, unknown>)[fuse]).toBe("boolean")
    expect(desktopFuses.strictlyRequireAllFuses).toBe(true)
  })
})
