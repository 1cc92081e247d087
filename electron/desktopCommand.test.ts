import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { electronBinary, makeDesktopCommand } from "../drivers/cli/commands/desktop.ts"

const io = (env: Record<string, string> = {}) => {
  const stderr = new PassThrough()
  let err = ""
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8")
  })
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env, cwd: tmpdir() }, err: () => err }
}

describe("packbench desktop", () => {
  it("exits 1 with a pointer to `packbench serve` when Electron is not installed", async () => {
    const { io: streams, err } = io()
    expect(await makeDesktopCommand(() => undefined).run([], streams)).toBe(1)
    expect(err()).toContain("Electron is not installed (it is optional); run `packbench serve` for the browser UI.")
  })

  it("runs the Electron binary on the main entry and returns its exit code, passing --config as an absolute path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "packbench-desktop-"))
    const entry = join(dir, "main.mjs")
    const seen = join(dir, "seen.json")
    writeFileSync(
      entry,
      `import { writeFileSync } from "node:fs"\nwriteFileSync(${JSON.stringify(seen)}, JSON.stringify({ config: process.env.PACKBENCH_CONFIG, cwd: process.cwd() }))\nprocess.exit(7)\n`
    )
    const { io: streams } = io({ PATH: process.env.PATH ?? "" })
    const command = makeDesktopCommand(() => process.execPath, entry)
    expect(await command.run(["--config", "station.json"], { ...streams, cwd: dir })).toBe(7)
    expect(JSON.parse(readFileSync(seen, "utf8"))).toEqual({ config: join(dir, "station.json"), cwd: dir })
  })

  it("exits 2 on an unknown option", async () => {
    const { io: streams, err } = io()
    expect(await makeDesktopCommand(() => process.execPath).run(["--port", "1"], streams)).toBe(2)
    expect(err()).toMatch(/unknown option --port/)
  })

  it("finds no Electron binary in this checkout, where the optional download failed", () => {
    const installed = existsSync(join(import.meta.dirname, "..", "node_modules", "electron", "package.json"))
    expect(electronBinary() !== undefined).toBe(installed)
  })
})
