import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ElectronBinaryMissing, electronZipDir, requireElectronZip } from "./electronZip.ts"

describe("the Electron archive the packaging step needs", () => {
  it("is looked for in PACKBENCH_ELECTRON_ZIP_DIR, else in node_modules' cache", () => {
    expect(electronZipDir("/repo", { PACKBENCH_ELECTRON_ZIP_DIR: "/zips" })).toBe("/zips")
    expect(electronZipDir("/repo", {})).toBe(join("/repo", "node_modules", ".cache", "packbench-electron-zips"))
  })

  it("stops the step with what to do when it is missing, and is taken when it is there", () => {
    const dir = mkdtempSync(join(tmpdir(), "packbench-zips-"))
    const target = { platform: "linux", arch: "x64" } as const
    expect(() => requireElectronZip(dir, "39.8.10", target)).toThrow(ElectronBinaryMissing)
    expect(() => requireElectronZip(dir, "39.8.10", target)).toThrow(
      /No Electron 39\.8\.10 for linux-x64: .*electron-v39\.8\.10-linux-x64\.zip is not there, and this step does not download Electron/
    )
    writeFileSync(join(dir, "electron-v39.8.10-linux-x64.zip"), "")
    expect(requireElectronZip(dir, "39.8.10", target)).toBe(join(dir, "electron-v39.8.10-linux-x64.zip"))
  })

  it("makes `npm run package:desktop` exit 1 with that message before it builds anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "packbench-nozips-"))
    const root = join(import.meta.dirname, "..", "..")
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "packageDesktop.ts"), "--platform", "linux"],
      { cwd: root, env: { ...process.env, PACKBENCH_ELECTRON_ZIP_DIR: dir }, encoding: "utf8", timeout: 60_000 }
    )
    expect(run.status, run.stderr).toBe(1)
    expect(run.stderr).toMatch(/^package:desktop: No Electron \d+\.\d+\.\d+ for linux-x64: /)
    expect(run.stdout).toBe("")
  })
})
