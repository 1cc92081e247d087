import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { makeStartCommand } from "./start.ts"

const io = () => {
  const stderr = new PassThrough()
  let text = ""
  stderr.on("data", (chunk) => {
    text += String(chunk)
  })
  return {
    io: {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
      env: {},
      cwd: mkdtempSync(join(tmpdir(), "pb-start-"))
    },
    text: () => text
  }
}

describe("packbench start", () => {
  it("runs the desktop app where Electron is installed", async () => {
    const run = io()
    // The desktop command itself checks for the binary again; with none installed here it explains and exits 1.
    expect(await makeStartCommand(() => true).run([], run.io)).toBe(1)
    expect(run.text()).toContain("Electron is not installed")
  })

  it("falls back to the browser UI and reports a usage error as serve does", async () => {
    const run = io()
    expect(await makeStartCommand(() => false).run(["--bogus"], run.io)).toBe(2)
    expect(run.text()).toContain("packbench serve: unknown option --bogus")
  })
})

describe("packbench start's demo bench", () => {
  const recording = () => {
    const seen: Array<Readonly<Record<string, string | undefined>>> = []
    const command = (name: string) => ({
      name,
      usage: name,
      summary: name,
      run: async (_argv: ReadonlyArray<string>, io: { readonly env: Readonly<Record<string, string | undefined>> }) => {
        seen.push(io.env)
        return 0
      }
    })
    return { seen, targets: { desktop: command("desktop"), serve: command("serve") } }
  }

  it("turns on the simulated scale that follows the pack, in the browser UI and in the desktop app", async () => {
    for (const hasElectron of [false, true]) {
      const { seen, targets } = recording()
      const run = io()
      expect(await makeStartCommand(() => hasElectron, targets).run([], { ...run.io, env: { HOME: "/h" } })).toBe(0)
      expect(seen).toEqual([{ PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "on", HOME: "/h" }])
    }
  })

  it("leaves it off when the environment says so", async () => {
    const { seen, targets } = recording()
    const run = io()
    const env = { PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "off" }
    expect(await makeStartCommand(() => false, targets).run([], { ...run.io, env })).toBe(0)
    expect(seen).toEqual([env])
  })
})
