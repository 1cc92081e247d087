import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { WireResult } from "../../core/api/ApiDispatcher.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

// biome-ignore lint/suspicious/noExplicitAny: views are asserted field by field
type Json = any

const eventually = async <A>(probe: () => A | undefined | Promise<A | undefined>, what: string): Promise<A> => {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe("the whole loop on one machine: station, embedded broker, embedded hub", () => {
  let station: RunningStation
  let dataDir: string
  const call = async (name: string, input: unknown = {}): Promise<Json> => {
    const result: WireResult = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
    return result.value
  }
  const hubRows = (sql: string) => {
    const db = new Database(join(dataDir, "hub", "hub.db"), { readonly: true })
    try {
      return db.prepare(sql).all() as Array<Json>
    } finally {
      db.close()
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pb-loop-"))
    const config = loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    expect(config.hub.embedded).toBe(true)
    station = await startStation({ config, http: false, log: () => {} })
  })
  afterAll(() => station.close())

  it("packs and hands over an order, and the hub records each notification once while the station's outbox drains", async () => {
    await call("session.signIn", { badge: "B-1001" })
    const order = encodePackbenchCode("order", "SO-100001")
    if (!order.ok) throw new Error(order.reason)
    await call("pack.scan", { raw: order.code })
    await call("pack.scan", { raw: "4260123450014" })
    await call("pack.quantity", { quantity: 2 })
    await call("pack.scan", { raw: "4260123450038" })
    await call("pack.chooseBox", { boxId: "S" })
    const expected = (await call("pack.state")).expectedWeightGrams as number
    await call("pack.weight", { grams: expected, source: "typed" })
    const packed = await call("pack.complete")
    expect(packed.refusal).toBeNull()
    const tracking = packed.parcel.trackingNumber as string
    await call("handover.open", { carrier: "dhl-paket" })
    await call("handover.scan", { raw: tracking })
    await call("handover.close")

    const kinds = await eventually(() => {
      const rows = hubRows("SELECT kind FROM hub_notifications WHERE order_id = 'SO-100001' ORDER BY kind")
      return rows.length === 2 ? rows.map((row) => row.kind) : undefined
    }, "two notifications for SO-100001")
    // Order confirmations are the shop's job unless hub.notify.orderConfirmations turns them on: none for the 12 orders.
    expect(kinds).toEqual(["packed", "shipped"])
    expect(hubRows("SELECT COUNT(*) AS n FROM hub_notifications")[0].n).toBe(2)
    expect(hubRows("SELECT status FROM hub_outbox WHERE status = 'dead'")).toEqual([])

    const drained = await eventually(async () => {
      const status = await call("station.status")
      return status.sync.depth === 0 ? status : undefined
    }, "the hub's acks to drain the station's outbox")
    expect(drained.sync).toMatchObject({ broker: "connected", lastConfirmedSeq: drained.lastSeq })
  })
})
