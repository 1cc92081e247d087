import { describe, expect, it, vi } from "vitest"

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(async () => "connected"), on: vi.fn() }
}))
vi.mock("electron", () => electron)

describe("preload", () => {
  it("exposes exactly call, onPush and onConnection as window.packbench, and not ipcRenderer", async () => {
    await import("./preload.ts")
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledOnce()
    const [name, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>]
    expect(name).toBe("packbench")
    expect(Object.keys(api).sort()).toEqual(["call", "onConnection", "onPush"])
    for (const value of Object.values(api)) expect(typeof value).toBe("function")
    expect(Object.values(api)).not.toContain(electron.ipcRenderer)
    expect(electron.ipcRenderer.on.mock.calls.map(([channel]) => channel).sort()).toEqual([
      "api:connection",
      "api:push"
    ])
  })
})
