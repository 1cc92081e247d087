import { describe, expect, it, vi } from "vitest"
import { makePreloadBridge } from "./preloadBridge.ts"

const fakeIpc = (answer: (channel: string, ...args: Array<unknown>) => unknown = () => undefined) => {
  const listeners = new Map<string, (event: unknown, ...args: Array<unknown>) => void>()
  const invoke = vi.fn(async (channel: string, ...args: Array<unknown>) => answer(channel, ...args))
  return {
    ipc: {
      invoke,
      on: (channel: string, listener: (event: unknown, ...args: Array<unknown>) => void) =>
        listeners.set(channel, listener)
    },
    invoke,
    emit: (channel: string, payload: unknown) => listeners.get(channel)?.({ sender: "ipc-event" }, payload)
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("makePreloadBridge", () => {
  it("sends a known call with its input over api:call and returns the envelope", async () => {
    const { ipc, invoke } = fakeIpc((channel) =>
      channel === "api:call" ? { ok: true, value: { name: "Ada" } } : "connected"
    )
    const bridge = makePreloadBridge(ipc)
    expect(await bridge.call("session.signIn", { badge: "B-1" })).toEqual({ ok: true, value: { name: "Ada" } })
    expect(invoke).toHaveBeenCalledWith("api:call", "session.signIn", { badge: "B-1" })
    await bridge.call("station.status", undefined)
    expect(invoke).toHaveBeenLastCalledWith("api:call", "station.status", {})
  })

  it("refuses unknown names and non-JSON inputs before sending anything", async () => {
    const { ipc, invoke } = fakeIpc()
    const bridge = makePreloadBridge(ipc)
    invoke.mockClear()
    expect(await bridge.call("station.reboot", {})).toMatchObject({ ok: false, error: { code: "unknown-command" } })
    expect(await bridge.call("toString", {})).toMatchObject({ ok: false, error: { code: "unknown-command" } })
    expect(await bridge.call(42 as never, {})).toMatchObject({ ok: false, error: { code: "unknown-command" } })
    for (const input of ["label", [1], null, new Date(), { when: new Date() }, { f: () => 1 }, { n: Number.NaN }]) {
      expect(await bridge.call("printer.testPrint", input)).toMatchObject({
        ok: false,
        error: { code: "invalid-input" }
      })
    }
    expect(invoke).not.toHaveBeenCalled()
  })

  it("turns a malformed answer into an internal error instead of handing it to the page", async () => {
    const { ipc } = fakeIpc((channel) => (channel === "api:call" ? { ok: "yes" } : undefined))
    expect(await makePreloadBridge(ipc).call("orders.open", {})).toMatchObject({
      ok: false,
      error: { code: "internal" }
    })
  })

  it("delivers well-formed pushes without the IPC event, drops the rest, and stops after unsubscribe", () => {
    const { ipc, emit } = fakeIpc()
    const bridge = makePreloadBridge(ipc)
    const seen: Array<unknown> = []
    const failing = vi.fn(() => {
      throw new Error("page bug")
    })
    vi.useFakeTimers()
    bridge.onPush(failing)
    const unsubscribe = bridge.onPush((message) => seen.push(message))
    emit("api:push", { name: "scan", payload: { raw: "4006381333931" } })
    emit("api:push", { name: "reboot", payload: {} })
    emit("api:push", { name: "scan", payload: "raw" })
    emit("api:push", null)
    unsubscribe()
    emit("api:push", { name: "status", payload: {} })
    expect(seen).toEqual([{ name: "scan", payload: { raw: "4006381333931" } }])
    expect(failing).toHaveBeenCalledTimes(2)
    expect(() => vi.runAllTimers()).toThrow("page bug")
    vi.useRealTimers()
    expect(() => bridge.onPush("not a function" as never)).toThrow(TypeError)
  })

  it("reports the connection state it asked main for, then every change", async () => {
    const { ipc, emit } = fakeIpc((channel) => (channel === "api:connection" ? "connected" : undefined))
    const bridge = makePreloadBridge(ipc)
    await flush()
    const states: Array<string> = []
    bridge.onConnection((state) => states.push(state))
    emit("api:connection", "disconnected")
    emit("api:connection", "bogus")
    emit("api:connection", "connected")
    expect(states).toEqual(["connected", "disconnected", "connected"])
  })
})
