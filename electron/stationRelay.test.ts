import { EventEmitter } from "node:events"
import { describe, expect, it, vi } from "vitest"
import type { ToStation } from "./StationProcessMessage.ts"
import { makeStationRelay } from "./stationRelay.ts"

const setUp = () => {
  const child = Object.assign(new EventEmitter(), {
    sent: [] as Array<ToStation>,
    postMessage(message: ToStation) {
      this.sent.push(message)
    },
    kill: vi.fn(() => true)
  })
  const events = { onReady: vi.fn(), onPush: vi.fn(), onFatal: vi.fn(), onExit: vi.fn(), log: vi.fn() }
  const relay = makeStationRelay(child, events)
  const ready = () =>
    child.emit("message", { kind: "ready", siteId: "S1", stationId: "B1", printoutsDir: "/d/printouts" })
  return { child, events, relay, ready }
}

describe("makeStationRelay", () => {
  it("answers calls made before the station is ready without sending them", async () => {
    const { child, relay } = setUp()
    expect(await relay.call("station.status", {})).toMatchObject({ ok: false, error: { code: "station-unavailable" } })
    expect(child.sent).toEqual([])
  })

  it("numbers calls and resolves each with the result carrying its id, in any order", async () => {
    const { child, events, relay, ready } = setUp()
    ready()
    expect(events.onReady).toHaveBeenCalledWith(expect.objectContaining({ siteId: "S1", printoutsDir: "/d/printouts" }))
    const first = relay.call("station.status", {})
    const second = relay.call("session.signIn", { badge: "B-1" })
    expect(child.sent).toEqual([
      { kind: "call", id: 1, name: "station.status", input: {} },
      { kind: "call", id: 2, name: "session.signIn", input: { badge: "B-1" } }
    ])
    child.emit("message", { kind: "result", id: 2, result: { ok: true, value: { name: "Ada" } } })
    child.emit("message", { kind: "result", id: 1, result: { ok: false, error: { code: "x", message: "no" } } })
    expect(await second).toEqual({ ok: true, value: { name: "Ada" } })
    expect(await first).toEqual({ ok: false, error: { code: "x", message: "no" } })
  })

  it("hands pushes and fatal messages on, and logs and drops malformed messages", () => {
    const { child, events, ready } = setUp()
    ready()
    child.emit("message", { kind: "push", message: { name: "scan", payload: { raw: "x" } } })
    child.emit("message", { kind: "fatal", message: "bad config" })
    child.emit("message", { kind: "result", id: "1", result: {} })
    child.emit("message", "hello")
    expect(events.onPush).toHaveBeenCalledWith({ name: "scan", payload: { raw: "x" } })
    expect(events.onFatal).toHaveBeenCalledWith("bad config")
    expect(events.log).toHaveBeenCalledTimes(2)
  })

  it("answers every waiting call when the process dies, and reports the exit as unexpected", async () => {
    const { child, events, relay, ready } = setUp()
    ready()
    const waiting = relay.call("orders.open", {})
    child.emit("exit", 9)
    expect(await waiting).toMatchObject({ ok: false, error: { code: "station-unavailable" } })
    expect(events.onExit).toHaveBeenCalledWith(9, false)
    expect(await relay.call("orders.open", {})).toMatchObject({ ok: false, error: { code: "station-unavailable" } })
  })

  it("closes by asking the station, and kills it only when it does not exit in time", async () => {
    const polite = setUp()
    polite.ready()
    const closing = polite.relay.close(1000)
    expect(polite.child.sent).toEqual([{ kind: "close" }])
    polite.child.emit("exit", 0)
    await closing
    expect(polite.child.kill).not.toHaveBeenCalled()
    expect(polite.events.onExit).toHaveBeenCalledWith(0, true)

    const stuck = setUp()
    stuck.ready()
    await stuck.relay.close(20)
    expect(stuck.child.kill).toHaveBeenCalledOnce()
  })
})
