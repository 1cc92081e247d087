// Shop connectors: for each fake shop (Shopify, Shopware 6, WooCommerce on loopback), orders placed at a steady rate
// (default 50/s) are timed from the shop's webhook to the order applied by a station's inbox (the real Inbox and
// order handlers over a SQLite station store: its row's write time), and parcels handed to the carrier at the same
// rate are timed from the station event published on MQTT to the shop's fulfillment accepted (the hub's push queue
// records when the shop answered). The hub runs in this process with its real push queue, webhook server and shop
// side publisher; the broker is the embedded aedes. Prints figures; asserts nothing.
//   npx tsx bench/shop-connectors.ts [--orders N] [--rate PER_S] [--shops shopify,shopware,woocommerce]
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Fiber, Layer, References, Schema } from "effect"
import { CatalogItem } from "../core/catalog/CatalogItem.ts"
import { Order } from "../core/orders/Order.ts"
import { registerOrderInbound } from "../core/orders/OrderInbound.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../core/pack/PackEvents.ts"
import { Broker } from "../core/sync/Broker.ts"
import { Inbox } from "../core/sync/Inbox.ts"
import { startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { layerMqttBroker, makeMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { freePort } from "../drivers/net/LoopbackPort.ts"
import { seededRandom, simulatedOrders } from "../drivers/simulation/SimulatedOrders.ts"
import { openSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { SystemClockLayer, systemClock } from "../drivers/time/SystemClock.ts"
import { hubRigOptions, publishEnvelope, stationStream } from "../fixtures/hub/HubRig.ts"
import { waitFor } from "../fixtures/mqtt/SyncRig.ts"
import { fixture, seededStation } from "../fixtures/SeededStation.ts"
import { type ShopKind, startFakeShop } from "../fixtures/shops/FakeShops.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { shopHubOptionsFrom } from "../hub/drivers/connectors/makeShopConnectors.ts"
import { layerHttpWebhookSender } from "../hub/drivers/mail/HttpWebhookSender.ts"
import { layerMailDropMailer } from "../hub/drivers/mail/MailDropMailer.ts"
import { CryptoTrackingTokensLayer } from "../hub/drivers/server/CryptoTrackingTokens.ts"
import { hubLayer, runHub } from "../hub/drivers/server/Hub.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const count = Number(flag("--orders") ?? 500)
const rate = Number(flag("--rate") ?? 50)
const kinds = (flag("--shops") ?? "shopify,shopware,woocommerce").split(",") as ReadonlyArray<ShopKind>
const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
const round = (value: number) => Math.round(value * 10) / 10
const figures = (latencies: ReadonlyArray<number>, firstMs: number, lastMs: number) => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    count: sorted.length,
    perSecond: round((sorted.length * 1000) / Math.max(1, lastMs - firstMs)),
    medianMs: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN)
  }
}
const catalog = Schema.decodeUnknownSync(Schema.Array(CatalogItem))(fixture("catalog.json"))

const benchShop = async (kind: ShopKind) => {
  // Shopify Plus restores 1,000 cost points a second; a standard plan's 100 would make the throttle the figure.
  const shop = await startFakeShop(kind, { shopifyRestoreRate: 1_000 })
  // The connectors' throughput is the figure; what logins cost the sync is bench:auth's.
  const mqtt = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  const dir = mkdtempSync(join(tmpdir(), `pb-shop-bench-${kind}-`))
  const hubPort = await freePort()
  const defaults = HubSettings.defaults("https://track.bench")
  const settings = { ...defaults, notify: { ...defaults.notify, quietHours: { startHour: 0, endHour: 0 } } }
  const shops = {
    options: shopHubOptionsFrom(
      { connectors: [{ ...shop.connector, pollIntervalSeconds: 60 }], defaultSite: "HAM1", refundSettleSeconds: 1 },
      { [shop.credentials.env]: shop.credentials.json },
      dir,
      () => undefined,
      systemClock
    ),
    broker: makeMqttBroker({ url: mqtt.url, clientId: "bench-shop-side", protocolVersion: 4 }),
    loopMs: 200
  }
  const options = {
    ...hubRigOptions({
      dataDir: dir,
      brokerUrl: mqtt.url,
      smtpUrl: "smtp://127.0.0.1:9",
      settings,
      webhookSecret: "bench-secret-0123456789"
    }),
    http: {
      host: "127.0.0.1",
      port: hubPort,
      webhookSecret: "bench-secret-0123456789",
      metricsToken: "bench-metrics-token-0123456789"
    },
    shops
  }
  const hub = hubLayer(options).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerMqttBroker({ url: mqtt.url, clientId: "bench-hub", protocolVersion: 4 }),
        layerMailDropMailer(join(dir, "mail")),
        layerHttpWebhookSender({ secret: "bench-secret-0123456789" }).pipe(Layer.provide(SystemClockLayer)),
        CryptoTrackingTokensLayer,
        SystemClockLayer
      )
    )
  )
  const stationFile = join(dir, "station.db")
  const station = Inbox.layer.pipe(
    Layer.provideMerge(
      Layer.effect(Broker, makeMqttBroker({ url: mqtt.url, clientId: "bench-station-inbox", protocolVersion: 4 }))
    ),
    Layer.provideMerge(seededStation({ filename: stationFile, clock: SystemClockLayer }))
  )
  try {
    return await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* runHub(options)
          // The station runs on its own services (its own store), beside the hub's.
          const ready = yield* Deferred.make<void>()
          const stationFiber = yield* Effect.forkDetach(
            Effect.scoped(
              Effect.gen(function* () {
                const inbox = yield* Inbox
                yield* registerOrderInbound(inbox, {
                  isOpen: () => Effect.succeed(false),
                  interrupt: () => Effect.void
                })
                yield* inbox.start
                yield* Deferred.succeed(ready, undefined)
                return yield* Effect.never
              })
            ).pipe(Effect.provide(station.pipe(Layer.orDie)))
          )
          yield* Deferred.await(ready)
          yield* Effect.addFinalizer(() => Fiber.interrupt(stationFiber))
          shop.setWebhookUrl(`http://127.0.0.1:${hubPort}/shops/${shop.connector.id}/webhook`)
          const reader = openSqlite({ filename: stationFile, readonly: true })
          const applied = reader.prepare<[string], { order_id: string; updated_at_ms: number; data: string }>(
            "SELECT order_id, updated_at_ms, data FROM orders WHERE order_id LIKE ?"
          )
          const prefix = `${shop.connector.orderIdPrefix}-%`

          // Orders in: webhook sent → order applied by the station's inbox.
          const orders = simulatedOrders({
            count,
            runTag: "BENCH",
            catalog,
            random: seededRandom(3),
            placedAt: new Date().toISOString()
          })
          const sentAt = new Map<string, number>()
          const started = Date.now()
          const placing: Array<Promise<unknown>> = []
          for (const [index, order] of orders.entries()) {
            const due = started + (index * 1000) / rate
            if (due > Date.now()) yield* Effect.sleep(due - Date.now())
            const at = Date.now()
            placing.push(shop.placeOrder(order).then(({ order: placed }) => sentAt.set(shop.orderIdOf(placed), at)))
          }
          yield* Effect.promise(() => Promise.all(placing))
          yield* waitFor(
            Effect.sync(() => applied.all(prefix).length),
            (n) => n >= count,
            300_000
          )
          const rows = applied.all(prefix)
          const inLatencies = rows.map((row) => Number(row.updated_at_ms) - (sentAt.get(row.order_id) ?? Number.NaN))
          const ordersIn = figures(inLatencies, started, Math.max(...rows.map((row) => Number(row.updated_at_ms))))

          // Tracking out: parcel.handed-to-carrier published → the shop's fulfillment accepted.
          const publisher = yield* makeMqttBroker({
            url: mqtt.url,
            clientId: "bench-station-events",
            protocolVersion: 4
          })
          yield* waitFor(publisher.state, (state) => state.connection === "connected", 5_000)
          const next = stationStream({ siteId: "HAM1", stationId: "PACK-09", epoch: "E1" })
          const publishedAt = new Map<string, number>()
          const outStarted = Date.now()
          for (const [index, row] of rows.entries()) {
            const order = Schema.decodeUnknownSync(Order)(JSON.parse(row.data))
            const parcelId = `P-${index + 1}`
            const trackingNumber = `00340434${String(index + 1).padStart(10, "0")}`
            const due = outStarted + (index * 1000) / rate
            if (due > Date.now()) yield* Effect.sleep(due - Date.now())
            yield* publishEnvelope(
              publisher,
              next(ParcelPacked, {
                orderId: order.orderId,
                parcelId,
                items: order.lines.map((line) => ({
                  lineId: line.lineId,
                  sku: line.sku,
                  gtin: line.gtin ?? "",
                  quantity: line.quantity,
                  shortShipped: 0,
                  serials: [],
                  lots: []
                })),
                shortShips: [],
                weightGrams: 900,
                expectedWeightGrams: 900,
                boxId: "BOX-M",
                carrier: "dhl-paket",
                trackingNumber,
                packer: { badgeId: "B-1001", name: "Bench Packer" },
                stationId: "PACK-09"
              })
            )
            publishedAt.set(parcelId, Date.now())
            yield* publishEnvelope(
              publisher,
              next(ParcelHandedToCarrier, {
                batchId: "H-1",
                parcelId,
                orderId: order.orderId,
                carrier: "dhl-paket",
                trackingNumber
              })
            )
          }
          const hubDb = openSqlite({ filename: join(dir, "hub.db"), readonly: true })
          const done = hubDb.prepare<[], { subject: string; done_at_ms: number }>(
            "SELECT subject, done_at_ms FROM shop_pushes WHERE kind = 'fulfillment' AND status = 'done'"
          )
          yield* waitFor(
            Effect.sync(() => done.all().length),
            (n) => n >= rows.length,
            300_000
          )
          const pushes = done.all()
          const outLatencies = pushes.map(
            (push) => Number(push.done_at_ms) - (publishedAt.get(push.subject) ?? Number.NaN)
          )
          const trackingOut = figures(
            outLatencies,
            outStarted,
            Math.max(...pushes.map((push) => Number(push.done_at_ms)))
          )
          reader.close()
          hubDb.close()
          return { shop: kind, targetRatePerSec: rate, ordersIn, trackingOut }
        })
      ).pipe(Effect.provide(hub.pipe(Layer.orDie)), Effect.provideService(References.MinimumLogLevel, "Error"))
    )
  } finally {
    await shop.close()
    await mqtt.close()
  }
}

const main = async () => {
  const results = []
  for (const kind of kinds) results.push(await benchShop(kind))
  console.log(
    JSON.stringify(
      {
        orders: count,
        paths: {
          ordersIn: "shop webhook sent → order applied by the station's inbox (its store row)",
          trackingOut: "parcel.handed-to-carrier published on MQTT → the shop's fulfillment accepted (push done)"
        },
        results
      },
      null,
      2
    )
  )
  process.exit(0)
}

void main()
