/**
 * Cost as work grows, on PostgreSQL: every statement a running hub sends while it takes station events, carrier
 * scans, a customer's correction, mails, tracking pages, the EPCIS export and the metrics is planned by a server with
 * sequential scans ruled out (`enable_seqscan = off`), and auto_explain logs each plan: a statement that still reads
 * a table whole has no index to use, and on a hub with years of rows it would read every one of them. The plans are
 * the server's own for the statements the code really sent, with their values, so none is missed however the code
 * builds it. SQLite's plans are checked where its indexes are made (the migrations' tests,
 * drivers/station/QueryPlans.integration.test.ts, HubShopMetrics.integration.test.ts) and measured by bench:growth.
 */
import { Effect, Layer } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  InboundUpdateIgnored,
  OrderCancelled,
  OrderReceived,
  OrderReinstated
} from "../../../core/orders/OrderEvents.ts"
import {
  OrderAddressHold,
  ParcelHandedToCarrier,
  ParcelLinesRenumbered,
  ParcelPacked
} from "../../../core/pack/PackEvents.ts"
import {
  ReturnCancelled,
  ReturnReceived,
  ReturnRefundDecided,
  ReturnRefundIssued
} from "../../../core/returns/ReturnsEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { postCarrierWebhook } from "../../../fixtures/carriers/CarrierSimulator.ts"
import {
  hubTestSettings,
  packedParcel,
  publishAll,
  type RunningHub,
  sampleOrder,
  stationOnBroker,
  TEST_METRICS_TOKEN,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import type { ReceivedMail } from "../../../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { boundedTables, partialIndexesQuery, planLog, wholeReadsIn } from "../../../fixtures/postgres/PlanCheck.ts"
import { type Postgres, startPostgres } from "../../../fixtures/postgres/PostgresProcess.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import type { CarrierTrackingEvent } from "../../core/tracking/CarrierTrackingEvent.ts"

const secret = "test-webhook-secret"
const servers = hubServers({ fresh: "once" })

const log = planLog()
let server: Postgres | undefined
beforeAll(async () => {
  server = await startPostgres({ settings: log.settings })
})
afterAll(async () => {
  await server?.stop()
  log.remove()
})

/**
 * The statements (PostgreSQL's `$n` placeholders back to `?`) planned by SQLite on a hub database of every
 * migration: those that read a table whole (`SCAN`), and how many SQLite could plan at all.
 */
const sqliteWholeReads = (statements: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    yield* migrate(hubMigrations)
    const sql = yield* Sql
    const partialIndexes = new Set(
      (yield* sql.query<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
      )).map((row) => row.name)
    )
    const tables = new Set(
      (yield* sql.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) => row.name)
    )
    const wholeReads = new Set<string>()
    let planned = 0
    for (const text of new Set(statements.map((statement) => statement.replace(/\$\d+/g, "?")))) {
      const parameters = Array.from(text.matchAll(/\?/g), () => null)
      const plan = yield* Effect.option(sql.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, parameters))
      if (plan._tag === "None") continue
      planned++
      for (const { detail } of plan.value) {
        // `SCAN 2-ROW VALUES CLAUSE` reads the statement's own rows, `SCAN s` a subquery's result (s is no table).
        const scan = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?$/.exec(detail)
        const table = scan?.[1]
        if (
          table !== undefined &&
          tables.has(table) &&
          !partialIndexes.has(scan?.[2] ?? "") &&
          boundedTables[table] === undefined
        )
          wholeReads.add(`${detail}: ${text.replace(/\s+/g, " ").trim()}`)
      }
    }
    return { planned, distinct: new Set(statements).size, wholeReads: [...wholeReads] }
  }).pipe(Effect.provide(Layer.mergeAll(layerSqlite({ filename: ":memory:" }), StationClock.manual(0).layer)))

const returned = (returnId: string, orderId: string) => ({
  returnId,
  known: true,
  orderId,
  parcelId: `P-${orderId}`,
  rmaId: null,
  ssccUrn: null,
  scanned: `P-${orderId}`,
  notes: ""
})

const linkIn = (mail: ReceivedMail, path: "a" | "t") =>
  new RegExp(`http://127\\.0\\.0\\.1:\\d+/${path}/[A-Za-z0-9_-]+`).exec(mail.text ?? "")?.[0]

describe("the hub's statements on PostgreSQL", () => {
  it("read no growing table whole: each has an index to use for every table it reads", async () => {
    const url = await server!.createDatabase("hub")
    const database = new URL(url).pathname.slice(1)
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const settings = hubTestSettings(base, { refundSettleMs: 200 })
    const anna = "anna.plans@example.test"
    const emma = "emma.plans@example.test"
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const program = (hub: RunningHub) =>
        Effect.gen(function* () {
          // What the hub ran before this point was its start-up (migrations, settings): not the work that grows.
          yield* Effect.promise(() => client.query("SELECT 'workload starts' AS marker"))
          const { broker: station, next } = yield* stationOnBroker({
            brokerUrl: servers.mqtt.url,
            stationId: "PACK-01"
          })
          const held = {
            ...sampleOrder("SO-3", { email: emma, locale: "en" }),
            shipTo: {
              name: "Emma Schmidt",
              street1: "Marienplatz",
              postalCode: "80331",
              city: "München",
              country: "DE"
            }
          }
          yield* publishAll(station, [
            next(OrderReceived, { order: sampleOrder("SO-1", { email: anna, locale: "de" }), replacedVersion: null }),
            next(
              ParcelPacked,
              packedParcel({
                orderId: "SO-1",
                parcelId: "P-SO-1",
                trackingNumber: "00340434161234567890",
                stationId: "PACK-01"
              })
            ),
            next(ParcelHandedToCarrier, {
              batchId: "H-1",
              parcelId: "P-SO-1",
              orderId: "SO-1",
              carrier: "dhl-paket",
              trackingNumber: "00340434161234567890"
            }),
            next(OrderReceived, { order: sampleOrder("SO-2", { email: anna, locale: "de" }), replacedVersion: null }),
            next(OrderCancelled, {
              orderId: "SO-2",
              orderVersion: 2,
              previousStatus: "open",
              interruptedPacking: false
            }),
            next(OrderReinstated, { orderId: "SO-2", orderVersion: 3, status: "open" as const }),
            next(OrderReceived, { order: held, replacedVersion: null }),
            next(OrderAddressHold, {
              orderId: "SO-3",
              customerEmail: emma,
              customerLocale: "en",
              carrier: "dhl-paket",
              problems: [{ field: "street1", code: "house-number-missing", message: "The house number is missing." }],
              request: "customer-correction" as const
            }),
            next(ReturnReceived, returned("PACK-01-R000001", "SO-1")),
            next(ReturnRefundDecided, {
              returnId: "PACK-01-R000001",
              itemRef: "SO-1/1/1",
              orderId: "SO-1",
              lineId: "1",
              unit: 1,
              sku: "ALP-MUG-01",
              gtin: null,
              serial: null,
              lot: null,
              outcome: "refund-full" as const,
              amountCents: 1_290,
              currency: "EUR",
              ruleId: null,
              reason: { de: "Wie neu", en: "As new" },
              source: "rules" as const,
              previousOutcome: null
            }),
            next(ReturnRefundIssued, {
              orderId: "SO-1",
              lineId: "1",
              unit: 1,
              itemRef: "SO-1/1/1",
              amountCents: 1_290,
              currency: "EUR",
              shopRefundId: "RF-1"
            }),
            // The shop numbered SO-1's lines anew; a second return was scanned by mistake and taken back.
            next(ParcelLinesRenumbered, {
              orderId: "SO-1",
              parcelId: "P-SO-1",
              orderVersion: 2,
              moves: [{ fromLineId: "1", toLineId: "10", sku: "ALP-MUG-01", quantity: 1 }],
              items: [{ lineId: "10", sku: "ALP-MUG-01", quantity: 1 }]
            }),
            next(ReturnReceived, returned("PACK-01-R000002", "SO-1")),
            next(ReturnCancelled, {
              returnId: "PACK-01-R000002",
              corrects: null,
              orderId: "SO-1",
              scanned: "P-SO-1",
              itemCount: 0,
              reason: "scanned by mistake"
            })
          ])

          // Carrier scans, as the carrier's webhook brings them.
          const scan = (
            eventId: string,
            status: CarrierTrackingEvent["status"],
            minutes: number
          ): CarrierTrackingEvent => ({
            eventId,
            carrier: "dhl-paket",
            trackingNumber: "00340434161234567890",
            status,
            occurredAtMs: Date.now() - 3_600_000 + minutes * 60_000,
            location: "Hamburg"
          })
          const scans = yield* Effect.promise(() =>
            postCarrierWebhook(hub.url, secret, [scan("c-1", "in-transit", 10), scan("c-2", "out-for-delivery", 20)], {
              delivery: "d-1"
            })
          )
          expect(scans.status).toBe(200)
          const delivered = yield* Effect.promise(() =>
            postCarrierWebhook(hub.url, secret, [scan("c-3", "delivered", 30)], { delivery: "d-2" })
          )
          expect(delivered.status).toBe(200)

          // The customer corrects the held order's address on the page the hub mailed.
          const holdMail = yield* waitFor(
            Effect.sync(() => servers.mailsTo(emma).filter((mail) => linkIn(mail, "a") !== undefined)),
            (mails) => mails.length >= 1,
            15_000
          )
          const correctionLink = linkIn(holdMail[0]!, "a")!
          const token = correctionLink.slice(correctionLink.lastIndexOf("/") + 1)
          expect((yield* Effect.promise(() => fetch(correctionLink))).status).toBe(200)
          const corrected = yield* Effect.promise(() =>
            fetch(correctionLink, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: new URLSearchParams({
                token,
                name: "Emma Schmidt",
                street1: "Marienplatz 8",
                postalCode: "80331",
                city: "München"
              }).toString()
            })
          )
          expect(corrected.status).toBe(200)
          // The station did not use it: the shop had changed the address itself.
          yield* publishAll(station, [
            next(InboundUpdateIgnored, {
              messageType: "order.hub-address-correction",
              orderId: "SO-3",
              receivedVersion: 1,
              storedVersion: 2,
              reason: "the shop changed the address",
              cause: "source-changed",
              keptShipTo: held.shipTo
            })
          ])
          yield* waitFor(
            Effect.sync(() => servers.mailsTo(emma).map((mail) => mail.subject)),
            (subjects) => subjects.includes("We could not use your address correction for order SO-3"),
            30_000
          )

          // The mails the work calls for go out: Anna's, the last of them her refund's and her parcel's delivery.
          yield* waitFor(
            Effect.sync(() => servers.mailsTo(anna).map((mail) => mail.subject)),
            (subjects) =>
              subjects.includes("Ihre Erstattung zu Bestellung SO-1") &&
              subjects.includes("Ihr Paket ist angekommen (SO-1)"),
            30_000
          )
          const annas = servers.mailsTo(anna)
          // The tracking page and the customer's opt-out page from Anna's mail.
          const tracking = annas.map((mail) => linkIn(mail, "t")).find((link) => link !== undefined)!
          expect((yield* Effect.promise(() => fetch(tracking))).status).toBe(200)

          const authorized = { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }
          const window = "from=2026-01-01T00:00:00Z&to=2036-01-01T00:00:00Z"
          for (const path of [`/metrics?${window}`, `/metrics.csv?${window}`, "/metrics/shops", `/epcis?${window}`]) {
            const response = yield* Effect.promise(() => fetch(`${hub.url}${path}`, authorized))
            expect(response.status, path).toBe(200)
            yield* Effect.promise(() => response.text())
          }
        })
      await withRunningHub(
        await servers.rigOn(
          {
            dialect: "postgres",
            layer: () => Effect.die("unused") as never,
            database: async () => ({ dialect: "postgres", url })
          },
          { settings, webhookSecret: secret, senderPollMs: 200, port }
        ),
        program
      )
      await client.query("SELECT 'workload ended' AS marker")
      // The server's log collector writes behind: wait for the last statement's plan.
      const plans = await Effect.runPromise(
        waitFor(
          Effect.sync(() => log.plans().filter((entry) => entry.database === database)),
          (logged) => logged.some((entry) => entry.query.includes("workload ended")),
          15_000
        )
      )
      const from = plans.findIndex((entry) => entry.query.includes("workload starts"))
      expect(from).toBeGreaterThanOrEqual(0)
      const workload = plans.slice(from + 1).filter((entry) => !entry.query.includes("AS marker"))
      // The workload reached the hub's tables: the projection, the sender, tracking, returns, EPCIS and metrics.
      const all = workload.map((entry) => entry.query).join("\n")
      for (const table of ["hub_orders", "hub_outbox", "hub_parcels", "hub_epcis_events", "hub_refund_claims"])
        expect(all, table).toContain(table)

      const partialIndexes = new Set(
        (await client.query<{ name: string }>(partialIndexesQuery)).rows.map((row) => row.name)
      )
      // Every statement of the workload counts here, the test's own markers aside: it sends no other.
      expect(wholeReadsIn(workload, partialIndexes)).toEqual([])

      // The same statements on the hub's other store: SQLite plans them with the same indexes (statements written
      // for PostgreSQL alone do not parse there, and have their SQLite twins, which bench:growth measures).
      const sqliteScans = await Effect.runPromise(sqliteWholeReads(workload.map((entry) => entry.query)))
      // (PostgreSQL's own: its advisory locks, and the foreign keys' checks it runs for the hub's writes.)
      expect(sqliteScans.planned).toBeGreaterThan(sqliteScans.distinct * 0.8)
      expect(sqliteScans.wholeReads).toEqual([])
    } finally {
      await client.end()
    }
  }, 120_000)
})
