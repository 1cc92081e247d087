import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { setTimeout as sleep } from "node:timers/promises"
import { Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { CatalogItem } from "../../../core/catalog/CatalogItem.ts"
import { runCommand } from "../../../drivers/cli/main.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { seededRandom, simulatedOrders } from "../../../drivers/simulation/SimulatedOrders.ts"
import { openSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { type Mosquitto, startMosquitto } from "../../../fixtures/mqtt/MosquittoProcess.ts"
import { type FakeShop, type ShopKind, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { hubProcess } from "../../../fixtures/shops/HubProcess.ts"

const ORDERS = 200
const RETURNS = 5
const catalog = Schema.decodeUnknownSync(Schema.Array(CatalogItem))(
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "fixtures", "data", "catalog.json"), "utf8"))
)

const waitUntil = async (what: string, condition: () => boolean, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe.each(["shopify", "shopware", "woocommerce"] as const)(
  "the hub and a station against the fake %s",
  (kind: ShopKind) => {
    const cleanups: Array<() => Promise<unknown>> = []
    afterEach(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
      cleanups.length = 0
    })

    it(`takes ${ORDERS} orders in, fulfils each parcel once with its tracking number and refunds the graded units once, through a hub kill -9 mid-push and a shop outage`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `pb-shops-${kind}-`))
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
      const mosquitto: Mosquitto = await startMosquitto()
      cleanups.push(() => mosquitto.stop())
      const shop: FakeShop = await startFakeShop(kind)
      cleanups.push(() => shop.close())
      const hub = hubProcess({
        dataDir: join(dir, "hub"),
        brokerUrl: mosquitto.url,
        port: await freePort(),
        connectors: [shop.connector],
        defaultSite: "HAM1",
        env: { [shop.credentials.env]: shop.credentials.json }
      })
      await hub.start()
      cleanups.push(() => hub.stop())
      shop.setWebhookUrl(`${hub.url}/shops/${shop.connector.id}/webhook`)

      // The checkout: 200 orders of the station's catalog; every tenth webhook is lost on the way.
      const orders = simulatedOrders({
        count: ORDERS,
        runTag: "E2E",
        catalog,
        random: seededRandom(7),
        placedAt: new Date().toISOString()
      })
      for (const [index, order] of orders.entries()) {
        shop.core.dropWebhooks = index % 10 === 9
        await shop.placeOrder(order)
      }
      shop.core.dropWebhooks = false

      // Faults while the fulfillments go out: the hub killed -9 after 40 parcels, the shop down for 6 s after 100.
      const fulfilled = () => [...shop.core.orders.values()].reduce((sum, order) => sum + order.fulfillments.length, 0)
      const faults = { killed: false, outage: false }
      const chaos = (async () => {
        await waitUntil("40 fulfillments", () => fulfilled() >= 40, 240_000)
        await hub.kill9()
        faults.killed = true
        await sleep(500)
        await hub.start()
        await waitUntil("100 fulfillments", () => fulfilled() >= 100, 240_000)
        shop.core.down()
        faults.outage = true
        await sleep(6_000)
        shop.core.up()
      })()
      chaos.catch(() => undefined)

      const stdout = new PassThrough()
      const stderr = new PassThrough()
      let out = ""
      let err = ""
      stdout.on("data", (chunk) => {
        out += chunk
      })
      stderr.on("data", (chunk) => {
        err += chunk
      })
      const code = await runCommand(
        [
          "simulate",
          "--orders",
          String(ORDERS),
          "--from-shop",
          "--order-prefix",
          shop.connector.orderIdPrefix,
          "--returns",
          String(RETURNS),
          "--wait",
          "180",
          "--broker",
          mosquitto.url,
          "--data-dir",
          join(dir, "station")
        ],
        {
          stdin: new PassThrough(),
          stdout,
          stderr,
          env: { PACKBENCH_SITE_ID: "HAM1", PACKBENCH_STATION_ID: "PACK-01", PACKBENCH_HTTP_PORT: "0" },
          cwd: dir
        }
      )
      const summary = JSON.parse(out || "{}")
      mkdirSync("test-output", { recursive: true })
      writeFileSync(
        join("test-output", `shops-e2e-${kind}.log`),
        `${out}\n--- stderr ---\n${err}\n--- hub ---\n${hub.output()}`
      )
      expect(code, err.slice(-3000)).toBe(0)
      expect(summary).toMatchObject({ orders: ORDERS, packed: ORDERS, handedOver: ORDERS, refused: [], failed: [] })
      await chaos
      expect(faults).toEqual({ killed: true, outage: true })

      const station = openSqlite({ filename: join(dir, "station", "station.db"), readonly: true })
      cleanups.push(async () => station.close())
      const parcels = station
        .prepare<[], { order_id: string; tracking_number: string }>(
          "SELECT order_id, tracking_number FROM parcels ORDER BY order_id"
        )
        .all()
      expect(parcels).toHaveLength(ORDERS)
      await waitUntil(`${ORDERS} fulfillments at the shop`, () => fulfilled() >= ORDERS, 120_000)
      // Each parcel fulfilled once, with its own tracking number, at the order it belongs to; nothing else.
      const byOrder = new Map([...shop.core.orders.values()].map((order) => [shop.orderIdOf(order), order]))
      for (const parcel of parcels) {
        const order = byOrder.get(parcel.order_id)
        expect(
          order?.fulfillments.map((fulfillment) => fulfillment.trackingNumber),
          parcel.order_id
        ).toEqual([parcel.tracking_number])
      }
      expect(fulfilled()).toBe(ORDERS)

      // The graded units: refunded once each at the shop, for what the station decided, and confirmed back.
      expect(summary.returns).toMatchObject({ graded: RETURNS, issued: RETURNS, failed: 0, pending: 0, problems: [] })
      const refunds = [...shop.core.orders.values()].flatMap((order) =>
        order.refunds.map((refund) => ({ orderId: shop.orderIdOf(order), amountCents: refund.amountCents }))
      )
      expect(refunds.sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(
        [...summary.returns.refunds]
          .map((refund: { orderId: string; amountCents: number }) => ({
            orderId: refund.orderId,
            amountCents: refund.amountCents
          }))
          .sort((a: { orderId: string }, b: { orderId: string }) => a.orderId.localeCompare(b.orderId))
      )
      const issued = station
        .prepare<[], { count: number }>("SELECT COUNT(*) AS count FROM events WHERE type = 'return.refund-issued'")
        .get()
      expect(Number(issued?.count)).toBe(RETURNS)
    }, 600_000)
  }
)
