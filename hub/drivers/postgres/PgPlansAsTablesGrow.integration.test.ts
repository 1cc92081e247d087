/**
 * Plans as PostgreSQL's planner makes them on its own (sequential scans and hash joins allowed, unlike
 * PgQueryPlans.integration.test.ts), at sizes a hub reaches: a statement whose plan was good for a small table must
 * not stay on it once the table has grown, and a join that reads a mid-sized table whole where a look-up by key would
 * do is caught before a hub with more rows pays for it. auto_explain logs the plan of every statement the code sent,
 * as it ran it (a prepared statement's cached plan too). Autovacuum is off: its ANALYZE would make the server plan
 * cached statements anew at a moment no test controls.
 */
import { Effect, Layer } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { countingTrackingTokensLayer } from "../../../fixtures/hub/countingTrackingTokens.ts"
import { packedParcel, sampleOrder, stationStream } from "../../../fixtures/hub/HubRig.ts"
import {
  type LoggedPlan,
  type PlanNode,
  partialIndexesQuery,
  planLog,
  wholeReadsIn
} from "../../../fixtures/postgres/PlanCheck.ts"
import { type Postgres, startPostgres } from "../../../fixtures/postgres/PostgresProcess.ts"
import { until } from "../../../fixtures/waitFor.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { Mailer } from "../../core/notify/Mailer.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../../core/notify/NotificationSender.ts"
import { WebhookError, WebhookSender } from "../../core/notify/WebhookSender.ts"
import { layerPostgres } from "./PgSql.ts"

const NOW_MS = 1_795_000_000_000

const log = planLog()
let server: Postgres | undefined
beforeAll(async () => {
  server = await startPostgres({
    settings: {
      ...log.settings,
      enable_seqscan: "on",
      enable_hashjoin: "on",
      enable_mergejoin: "on",
      autovacuum: "off"
    }
  })
})
afterAll(async () => {
  await server?.stop()
  log.remove()
})

/** The plans `database` logged after the statement `from` marked and before `to`, once the log holds `to`'s. */
const plansBetween = (database: string, from: string, to: string) =>
  until(
    () => log.plans().filter((entry) => entry.database === database),
    (logged) => logged.some((entry) => entry.query.includes(to)),
    "the server's plan log",
    15_000
  ).then((logged) =>
    logged.slice(
      logged.findIndex((entry) => entry.query.includes(from)) + 1,
      logged.findIndex((entry) => entry.query.includes(to))
    )
  )

/** The statements among `plans` that read a table of `url`'s database whole (PlanCheck's `wholeReadsIn`). */
const wholeReads = async (url: string, plans: ReadonlyArray<LoggedPlan>) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const partial = await client.query<{ name: string }>(partialIndexesQuery).finally(() => client.end())
  return wholeReadsIn(plans, new Set(partial.rows.map((row) => row.name)))
}

/** A batch of station events applied by the hub's projection, in the transaction the consumer gives one. */
const applyBatch = (events: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const hub = yield* HubProjection
    yield* sql.transaction(hub.applyStationEvents(events), { batchWrites: true })
  })

/**
 * `setUp` and then `work` on a new database of the hub's schema, with its projection over one connection (every batch
 * runs on the connection that prepared the statements of the ones before); the plans the server logged for `work`.
 */
const projectionPlans = async <E>(
  name: string,
  setUp: Effect.Effect<void, E, Sql | HubProjection>,
  work: Effect.Effect<void, E, Sql | HubProjection>
) => {
  const url = await server!.createDatabase(name)
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      yield* setUp
      const sql = yield* Sql
      yield* sql.query("SELECT 'work starts' AS marker")
      yield* work
      yield* sql.query("SELECT 'work done' AS marker")
    }).pipe(
      Effect.provide(
        HubProjection.layer.pipe(
          Layer.provideMerge(
            Layer.mergeAll(
              layerPostgres({ url, maxConnections: 1 }),
              StationClock.manual(NOW_MS).layer,
              countingTrackingTokensLayer,
              Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
            )
          )
        )
      )
    )
  )
  return { url, plans: await plansBetween(new URL(url).pathname.slice(1), "'work starts'", "'work done'") }
}

/** `count` orders of as many other customers, written straight into the tables. */
const otherCustomersOrders = (count: number) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    yield* sql.execute(
      `INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms)
       SELECT 'C-OLD-' || i, 'Erika', 'Muster', 'old-' || i || '@example.test', 'de', 0
       FROM generate_series(1, ?) AS i`,
      [count]
    )
    yield* sql.execute(
      `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
         station_id, ship_to, updated_at_ms)
       SELECT 'SO-OLD-' || i, 1, 'C-OLD-' || i, 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-1', NULL, 0
       FROM generate_series(1, ?) AS i`,
      [count]
    )
  })

/** `count` orders received, packed and handed over at one station, numbered from `first`. */
const ordersShipped = (next: ReturnType<typeof stationStream>, first: number, count: number) =>
  Array.from({ length: count }, (_, index): ReadonlyArray<EventEnvelope> => {
    const orderId = `SO-${first + index}`
    const parcelId = `P-${orderId}`
    const trackingNumber = `TN-${orderId}`
    return [
      next(OrderReceived, {
        order: sampleOrder(orderId, { email: `${orderId.toLowerCase()}@example.test`, locale: "de" }),
        replacedVersion: null
      }),
      next(ParcelPacked, packedParcel({ orderId, parcelId, trackingNumber, stationId: "PACK-1" })),
      next(ParcelHandedToCarrier, { batchId: "H-1", parcelId, orderId, carrier: "dhl-paket", trackingNumber })
    ]
  }).flat()

describe("the hub's statements on PostgreSQL as its tables grow", () => {
  it("the batch apply reads a batch's orders by their index once the orders have outgrown its first batches", async () => {
    const next = stationStream({ siteId: "HAM1", stationId: "PACK-1", epoch: "E1" })
    const { url, plans } = await projectionPlans(
      "grow",
      Effect.gen(function* () {
        // A new hub's first batches, while its tables are small; months later, 20,000 orders of other customers.
        for (let at = 0; at < 8; at++) yield* applyBatch(ordersShipped(next, 1 + at * 20, 20))
        yield* otherCustomersOrders(20_000)
      }),
      applyBatch(ordersShipped(next, 1_000, 20))
    )
    // The batch read orders (whether one is parked, corrected or cancelled, and the handovers' orders).
    expect(plans.some((entry) => /FROM hub_orders/.test(entry.query))).toBe(true)
    // The tables that did not grow are read as the planner likes: a table of a few rows is read whole at once.
    expect((await wholeReads(url, plans)).filter((line) => /^hub_(orders|customers):/.test(line))).toEqual([])
  }, 120_000)

  it("a batch looks for cancelled orders among its own by an index at 4,000 orders, where the planner would read them all", async () => {
    const next = stationStream({ siteId: "HAM1", stationId: "PACK-1", epoch: "E1" })
    const { url, plans } = await projectionPlans(
      "cancelled",
      otherCustomersOrders(4_000),
      applyBatch(ordersShipped(next, 1, 60))
    )
    const checks = plans.filter((entry) => /cancelled_at_ms IS NOT NULL AND order_id IN/.test(entry.query))
    expect(checks.length).toBe(1)
    expect((await wholeReads(url, checks)).filter((line) => line.startsWith("hub_orders:"))).toEqual([])
  }, 120_000)

  it("a batch reads its handovers' orders by their key at 4,000 orders, where the planner would read them all", async () => {
    const next = stationStream({ siteId: "HAM1", stationId: "PACK-1", epoch: "E1" })
    const { url, plans } = await projectionPlans(
      "handovers",
      otherCustomersOrders(4_000),
      applyBatch(ordersShipped(next, 1, 60))
    )
    const reads = plans.filter((entry) => /FROM hub_orders o/.test(entry.query) && /ship_to/.test(entry.query))
    expect(reads.length).toBe(1)
    expect(await wholeReads(url, reads)).toEqual([])
  }, 120_000)

  it("the sender reads its due rows with their customers by key at 12,000 customers: no hash join", async () => {
    const url = await server!.createDatabase("sender")
    const database = new URL(url).pathname.slice(1)
    const mailed: Array<string> = []
    const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          layerPostgres({ url, maxConnections: 1 }),
          StationClock.manual(NOW_MS).layer,
          countingTrackingTokensLayer,
          Layer.succeed(HubSettings, HubSettings.defaults("https://track.test")),
          Layer.succeed(
            Mailer,
            Mailer.of({
              send: (mail) => Effect.sync(() => mailed.push(mail.to)).pipe(Effect.as({ response: "250 OK" }))
            })
          ),
          Layer.succeed(
            WebhookSender,
            WebhookSender.of({
              send: () => Effect.fail(new WebhookError({ reason: "Unavailable", permanent: false, message: "unused" }))
            })
          )
        )
      )
    )
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const sql = yield* Sql
        // A hub some months in: 12,000 customers, each with an order shipped in a parcel, its confirmation and
        // shipping mails sent, half of them with the feedback request asked; the last 200 shipping mails are due.
        yield* sql.execute(
          `INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms)
           SELECT 'C-' || i, 'Erika', 'Muster', 'c-' || i || '@example.test', 'de', 0
           FROM generate_series(1, 12000) AS i`
        )
        yield* sql.execute(
          `INSERT INTO hub_unsubscribe_tokens (token, customer_id, created_at_ms)
           SELECT 'unsubscribe-' || i, 'C-' || i, 0 FROM generate_series(1, 11500) AS i`
        )
        yield* sql.execute(
          `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
             station_id, ship_to, updated_at_ms)
           SELECT 'SO-' || i, 1, 'C-' || i, 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-1', NULL, 0
           FROM generate_series(1, 12000) AS i`
        )
        yield* sql.execute(
          `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, packed_at_ms,
             handed_at_ms, expected_delivery_date, updated_at_ms)
           SELECT 'P-' || i, 'SO-' || i, 'dhl-paket', 'TN-' || i, 'tracking-' || i || '-abcdefghijklmnop', i, i,
             '2026-11-26', i
           FROM generate_series(1, 12000) AS i`
        )
        yield* sql.execute(
          `INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms)
           SELECT 'P-' || i, 'SO-' || i, 'feedback-' || i, i FROM generate_series(1, 6000) AS i`
        )
        yield* sql.execute(
          `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, parcel_id, trigger_event_id,
             created_at_ms)
           SELECT 'N-' || kind || '-' || i, kind, CASE kind WHEN 'shipped' THEN 'P-' || i ELSE 'SO-' || i END,
             'SO-' || i, CASE kind WHEN 'shipped' THEN 'P-' || i END, 'E-' || i, i
           FROM generate_series(1, 12000) AS i, (VALUES ('order-confirmed'), ('shipped')) AS kinds (kind)`
        )
        yield* sql.execute(
          `INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms, sent_at_ms)
           SELECT notification_id, 'email', CASE WHEN kind = 'shipped' AND created_at_ms > 11800 THEN 'pending'
             ELSE 'sent' END, 0, created_at_ms, NULL
           FROM hub_notifications`
        )
        yield* sql.execute("ANALYZE")
        const sender = yield* NotificationSender
        yield* sql.query("SELECT 'mails start' AS marker")
        // Passes enough for the server to weigh a cached plan for the due rows against planning each time.
        for (let pass = 0; pass < 10; pass++) yield* sender.sendDue
        yield* sql.query("SELECT 'mails done' AS marker")
      }).pipe(Effect.provide(layer))
    )
    expect(mailed.length).toBe(200)
    const claims = (await plansBetween(database, "'mails start'", "'mails done'")).filter(
      (entry) => entry.query.includes("hub_outbox") && entry.query.includes("hub_customers")
    )
    expect(claims.length).toBeGreaterThanOrEqual(10)
    const joins = (node: PlanNode): ReadonlyArray<string> => [
      ...(node["Node Type"].endsWith("Join") && node["Node Type"] !== "Nested Loop" ? [node["Node Type"]] : []),
      ...(node.Plans ?? []).flatMap(joins)
    ]
    expect(claims.flatMap((entry) => joins(entry.plan))).toEqual([])
    expect(await wholeReads(url, claims)).toEqual([])
  }, 120_000)
})
