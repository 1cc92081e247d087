import { EventEmitter } from "node:events"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it, vi } from "vitest"
import type { PushMessage } from "../core/api/StationApi.ts"
import type { RunningStation } from "../drivers/station/Station.ts"
import type { FromStation } from "./StationProcessMessage.ts"
import { runStationProcess } from "./stationProcess.ts"

const fakeParentPort = () => {
  const emitter = new EventEmitter()
  const posted: Array<FromStation> = []
  return {
    posted,
    port: {
      on: (event: "message", listener: (event: { data: unknown }) => void) => emitter.on(event, listener),
      postMessage: (message: FromStation) => void posted.push(message)
    },
    send: (data: unknown) => emitter.emit("message", { data })
  }
}

const fakeStation = () => {
  let listener: ((message: PushMessage) => void) | undefined
  const station = {
    config: { dataDir: "/data" },
    siteId: "S1",
    stationId: "B1",
    url: undefined,
    call: vi.fn(async (name: string, input: unknown) => ({ ok: true as const, value: { name, input } })),
    subscribe: (next: (message: PushMessage) => void) => {
      listener = next
      return () => {}
    },
    close: vi.fn(async () => {})
  }
  return { station: station as unknown as RunningStation & typeof station, push: (m: PushMessage) => listener?.(m) }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("runStationProcess", () => {
  it("reports ready, answers calls by id, forwards pushes and closes on request", async () => {
    const parent = fakeParentPort()
    const { station, push } = fakeStation()
    const exit = vi.fn()
    await runStationProcess({
      parentPort: parent.port,
      cwd: "/",
      env: {},
      log: vi.fn(),
      exit,
      start: async () => station
    })
    expect(parent.posted).toEqual([
      { kind: "ready", siteId: "S1", stationId: "B1", printoutsDir: join("/data", "printouts") }
    ])
    parent.send({ kind: "call", id: 7, name: "station.status", input: {} })
    await flush()
    expect(parent.posted[1]).toEqual({
      kind: "result",
      id: 7,
      result: { ok: true, value: { name: "station.status", input: {} } }
    })
    push({ name: "event", payload: { seq: 1, id: "e", type: "t", eventTimeMs: 0, actor: "a" } })
    expect(parent.posted[2]).toMatchObject({ kind: "push", message: { name: "event" } })
    parent.send({ kind: "close" })
    await flush()
    expect(station.close).toHaveBeenCalledOnce()
    expect(exit).toHaveBeenCalledWith(0)
  })

  it("drops malformed messages without calling the station", async () => {
    const parent = fakeParentPort()
    const { station } = fakeStation()
    const log = vi.fn()
    await runStationProcess({
      parentPort: parent.port,
      cwd: "/",
      env: {},
      log,
      exit: vi.fn(),
      start: async () => station
    })
    parent.send({ kind: "call", id: "7", name: "station.status" })
    parent.send({ kind: "shutdown" })
    await flush()
    expect(station.call).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledTimes(2)
  })

  it("answers a call whose handler throws with an internal error envelope", async () => {
    const parent = fakeParentPort()
    const { station } = fakeStation()
    station.call.mockRejectedValueOnce(new Error("disk full"))
    await runStationProcess({
      parentPort: parent.port,
      cwd: "/",
      env: {},
      log: vi.fn(),
      exit: vi.fn(),
      start: async () => station
    })
    parent.send({ kind: "call", id: 1, name: "orders.open", input: {} })
    await flush()
    expect(parent.posted[1]).toMatchObject({
      kind: "result",
      id: 1,
      result: { ok: false, error: { code: "internal" } }
    })
  })

  it("reports a bad configuration as fatal with the config loader's message, and exits 1", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "packbench-desktop-"))
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ http: { port: "eighty" } }))
    const parent = fakeParentPort()
    const exit = vi.fn()
    await runStationProcess({ parentPort: parent.port, cwd, env: {}, log: vi.fn(), exit })
    expect(parent.posted).toHaveLength(1)
    expect(parent.posted[0]).toMatchObject({ kind: "fatal" })
    const fatal = parent.posted[0] as { message: string }
    expect(fatal.message).toContain("packbench.config.json is not valid")
    expect(fatal.message).toContain("http.port")
    expect(exit).toHaveBeenCalledWith(1)
  })

  it("explains a native module built for the wrong runtime", async () => {
    const parent = fakeParentPort()
    const start = async (): Promise<RunningStation> => {
      throw new Error(
        "better_sqlite3.node was compiled against a different Node.js version using NODE_MODULE_VERSION 115"
      )
    }
    await runStationProcess({ parentPort: parent.port, cwd: "/", env: {}, log: vi.fn(), exit: vi.fn(), start })
    expect((parent.posted[0] as { message: string }).message).toMatch(/@electron\/rebuild/)
  })
})
