import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runInNewContext } from "node:vm"
import { describe, expect, it, vi } from "vitest"
import { bundlePreload } from "./bundlePreload.ts"

describe("bundlePreload", () => {
  it("builds one CommonJS script that needs only `electron`, as a sandboxed preload requires", async () => {
    const file = await bundlePreload(mkdtempSync(join(tmpdir(), "packbench-preload-")))
    const code = readFileSync(file, "utf8")
    expect(code).not.toMatch(/^\s*import\s/m)
    expect(code).not.toContain("effect")

    const required: Array<string> = []
    const exposeInMainWorld = vi.fn()
    const ipcRenderer = { invoke: vi.fn(async () => ({ ok: true, value: 1 })), on: vi.fn() }
    const module = { exports: {} }
    runInNewContext(code, {
      module,
      exports: module.exports,
      setTimeout,
      require: (id: string) => {
        required.push(id)
        if (id === "electron") return { contextBridge: { exposeInMainWorld }, ipcRenderer }
        throw new Error(`a sandboxed preload cannot require ${id}`)
      }
    })
    expect(required).toEqual(["electron"])
    const [name, api] = exposeInMainWorld.mock.calls[0] as [
      string,
      { call: (n: string, i: unknown) => Promise<unknown> }
    ]
    expect(name).toBe("packbench")
    expect(await api.call("station.reboot", {})).toMatchObject({ ok: false, error: { code: "unknown-command" } })
    expect(await api.call("station.status", {})).toEqual({ ok: true, value: 1 })
  })
})
