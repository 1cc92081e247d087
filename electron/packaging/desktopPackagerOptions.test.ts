import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { HookFunction } from "@electron/packager"
import { describe, expect, it } from "vitest"
import { desktopDebianOptions } from "./desktopDebianOptions.ts"
import { desktopPackagerOptions, excludedFromApp, nativeModules } from "./desktopPackagerOptions.ts"
import { desktopTargets, electronZipName, executableFile } from "./desktopTargets.ts"
import { versionsOf } from "./packageDesktop.ts"

const root = join(import.meta.dirname, "..", "..")
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const rebuild: HookFunction = (_path, _version, _platform, _arch, callback) => callback()
const optionsFor = (platform: "linux" | "win32") =>
  desktopPackagerOptions({
    root,
    out: "/tmp/out",
    target: { platform, arch: "x64" },
    ...versionsOf(manifest),
    electronZipDir: "/zips",
    rebuild
  })

describe("desktop packaging configuration", () => {
  it("builds Linux and Windows, x64", () => {
    expect(desktopTargets).toEqual([
      { platform: "linux", arch: "x64" },
      { platform: "win32", arch: "x64" }
    ])
    expect(executableFile({ platform: "win32", arch: "x64" })).toBe("packbench.exe")
    expect(executableFile({ platform: "linux", arch: "x64" })).toBe("packbench")
  })

  it("packages the pinned Electron from the local archive folder, never a download", () => {
    const options = optionsFor("linux")
    expect(options.electronVersion).toBe(manifest.optionalDependencies.electron)
    expect(options.electronVersion).toMatch(/^\d+\.\d+\.\d+$/)
    expect(options.electronZipDir).toBe("/zips")
    expect(options.download).toBeUndefined()
    expect(electronZipName("39.8.10", { platform: "linux", arch: "x64" })).toBe("electron-v39.8.10-linux-x64.zip")
    expect(options.appVersion).toBe(manifest.version)
    expect(manifest.main).toBe("electron/main.mjs")
  })

  it("rebuilds the native modules in the copied app, for each platform", () => {
    for (const platform of ["linux", "win32"] as const) {
      const options = optionsFor(platform)
      expect(options.platform).toBe(platform)
      expect(options.afterCopy).toEqual([rebuild])
    }
    expect(nativeModules).toEqual(["better-sqlite3", "@serialport/bindings-cpp"])
    for (const name of nativeModules)
      expect(existsSync(join(root, "node_modules", name, "binding.gyp")), name).toBe(true)
  })

  it("packs the app into an asar with its native binaries unpacked, dev dependencies pruned", () => {
    const options = optionsFor("linux")
    expect(options.prune).toBe(true)
    const asar = options.asar as { unpack: string }
    expect(asar.unpack).toContain("**/*.node")
    expect(asar.unpack).toContain("@esbuild")
  })

  it("takes what the bench runs and leaves tests, rigs, benchmarks and sources of the UI out", () => {
    for (const kept of [
      "/package.json",
      "/core/pack/PackService.ts",
      "/drivers/station/Station.ts",
      "/hub/drivers/server/EmbeddedHub.ts",
      "/electron/main.mjs",
      "/electron/dist/preload.cjs",
      "/renderer/dist/index.html",
      "/fixtures/data/catalog.json",
      "/node_modules/better-sqlite3/package.json"
    ])
      expect(excludedFromApp(kept), kept).toBe(false)
    for (const left of [
      "/core/pack/PackService.test.ts",
      "/drivers/station/Station.integration.test.ts",
      "/hub/core/notify/NotificationSender.suite.ts",
      "/renderer/src/ui/App.tsx",
      "/renderer/e2e/PackFlow.e2e.test.ts",
      "/fixtures/hub/HubRig.ts",
      "/bench/decode.ts",
      "/electron/packaging/packageDesktop.ts",
      "/test-output/x.png",
      "/.packbench/station.db",
      "/dist/desktop",
      "/node_modules/.cache/packbench-electron-types/electron.d.ts"
    ])
      expect(excludedFromApp(left), left).toBe(true)
  })

  it("makes a Debian package of the Linux app with a launcher", () => {
    expect(desktopDebianOptions({ src: "/app", dest: "/out", arch: "x64", version: "0.1.0" })).toMatchObject({
      src: "/app",
      dest: "/out",
      arch: "amd64",
      name: "packbench",
      bin: "packbench",
      version: "0.1.0"
    })
  })

  it("refuses an Electron that is not pinned to an exact version", () => {
    expect(() => versionsOf({ version: "1.0.0", optionalDependencies: { electron: "^39.0.0" } })).toThrow(/exact/)
  })
})
