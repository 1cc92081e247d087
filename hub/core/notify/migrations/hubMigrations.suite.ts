import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { epcisDocumentHead, orderTransaction, toEpcisEvent } from "../../../../core/events/Epcis.ts"
import type { EventEnvelope } from "../../../../core/events/Event.ts"
import type { Order } from "../../../../core/orders/Order.ts"
import { OrderCancelled, OrderReceived } from "../../../../core/orders/OrderEvents.ts"
import { migrate } from "../../../../core/store/Migrations.ts"
import { Sql } from "../../../../core/store/Sql.ts"
import { inboundVersion } from "../../../../core/sync/InboundVersion.ts"
import { StationClock } from "../../../../core/time/Clock.ts"
import { epcisSchemaValidator } from "../../../../fixtures/epcis/epcisSchema.ts"
import { sampleOrder } from "../../../../fixtures/hub/HubRig.ts"
import { stationEventStream } from "../../../../fixtures/hub/stationEventStream.ts"
import type { TestStore } from "../../../../fixtures/postgres/TestStores.ts"
import { correctionsWaitOver } from "../../correction/CorrectionAnswers.ts"
import {
  type EpcisCursor,
  epcisEventRow,
  pruneEpcisEvents,
  readEpcisPage,
  recordEpcisEvent,
  recordReinstatement
} from "../../epcis/HubEpcis.ts"
import { makeRefundLedger } from "../../refunds/RefundLedger.ts"
import { RETURN_REFUND_PUSHES } from "../../shop/ShopOutbound.ts"
import { hubMigrations } from "./hubMigrations.ts"

/** The tables a database holds, by the dialect's own catalogue. */
const tableNames = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ name: string }>(
    sql.dialect === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY name"
  )
  return rows.map((row) => row.name)
})

/** The export's marks of voided orders as [transaction, void's version, version that took it back], by transaction. */
const voidMarks = Effect.gen(function* () {
  const rows = yield* (yield* Sql).query<{
    biz_transaction: string
    order_version: number | null
    reinstated_version: number | null
  }>(
    "SELECT biz_transaction, order_version, reinstated_version FROM hub_epcis_voided_transactions ORDER BY biz_transaction"
  )
  return rows.map((row) => [
    row.biz_transaction,
    row.order_version === null ? null : Number(row.order_version),
    row.reinstated_version === null ? null : Number(row.reinstated_version)
  ])
})

/** The hub's schema history on a store: hubMigrations.test.ts runs it on SQLite, the integration twin on PostgreSQL. */
/** SO-1's parcels as [parcel, the correction its leaving told of, the cause] (hub migrations 84 and 85). */
const leftParcels = Effect.gen(function* () {
  const rows = yield* (yield* Sql).query<{
    parcel_id: string
    left_correction: number | null
    left_cause: string | null
  }>("SELECT parcel_id, left_correction, left_cause FROM hub_parcels WHERE order_id = 'SO-1' ORDER BY parcel_id")
  return rows.map((row) => [
    row.parcel_id,
    row.left_correction === null ? null : Number(row.left_correction),
    row.left_cause
  ])
})

export const hubMigrationsSuite = (store: TestStore) =>
  describe(`hub migrations on ${store.dialect}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock>) =>
      Effect.runPromise(effect.pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(0).layer))))

    it("creates the hub and consumer tables once, and makes (kind, subject) unique", async () => {
      const result = await run(
        Effect.gen(function* () {
          const first = yield* migrate(hubMigrations)
          const second = yield* migrate(hubMigrations)
          const sql = yield* Sql
          const tables = yield* tableNames
          const insert = (id: string) =>
            sql.execute(
              `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
             VALUES (?, 'shipped', 'P-1', 'SO-1', 'ev-1', 0)`,
              [id]
            )
          yield* insert("n-1")
          const duplicate = yield* insert("n-2").pipe(Effect.flip)
          return { first, second, tables, duplicate: duplicate.reason }
        })
      )
      expect(result.first).toEqual([
        1, 10, 20, 21, 22, 30, 31, 40, 50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78,
        80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94, 9001, 9002
      ])
      expect(result.second).toEqual([])
      expect(result.tables).toEqual([
        "hub_address_corrections",
        "hub_address_tokens",
        "hub_carrier_polls",
        "hub_correction_answers",
        "hub_customers",
        "hub_epcis_events",
        "hub_epcis_voided_transactions",
        "hub_feedback",
        "hub_messages",
        "hub_metrics_orders",
        "hub_metrics_returns",
        "hub_notifications",
        "hub_order_stations",
        "hub_orders",
        "hub_outbox",
        "hub_parcel_poll_cursors",
        "hub_parcels",
        "hub_refund_claims",
        "hub_refund_notice_units",
        "hub_refund_orders",
        "hub_refund_parked",
        "hub_refund_rejections",
        "hub_tracking_events",
        "hub_unsubscribe_tokens",
        "hub_voided_returns",
        "hub_webhook_deliveries",
        "schema_migrations",
        "shop_connectors",
        "shop_messages",
        "shop_orders",
        "shop_parcels",
        "shop_push_audit",
        "shop_pushes",
        "shop_quarantine",
        "shop_webhook_deliveries",
        "sync_consumer_applied",
        "sync_consumer_conflicts",
        "sync_consumer_counters",
        "sync_consumer_cursor",
        "sync_consumer_held",
        "sync_consumer_quarantine"
      ])
      expect(result.duplicate).toBe("Constraint")
    })

    it("keeps millisecond timestamps and numbers quarantined messages on its own", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO sync_consumer_cursor (site_id, station_id, epoch, last_seq, updated_at_ms) VALUES (?, ?, ?, ?, ?)",
            ["HAM1", "PACK-01", "E1", 3, 1_763_700_000_000]
          )
          for (const topic of ["a", "b"]) {
            yield* sql.execute(
              "INSERT INTO sync_consumer_quarantine (topic, payload, reason, received_at_ms) VALUES (?, '', 'test', ?)",
              [topic, 1_763_700_000_000]
            )
          }
          return {
            cursor: yield* sql.query("SELECT last_seq, updated_at_ms FROM sync_consumer_cursor"),
            quarantine: yield* sql.query("SELECT id, topic FROM sync_consumer_quarantine ORDER BY id")
          }
        })
      )
      expect(result).toEqual({
        cursor: [{ last_seq: 3, updated_at_ms: 1_763_700_000_000 }],
        quarantine: [
          { id: 1, topic: "a" },
          { id: 2, topic: "b" }
        ]
      })
    })

    it("10 adds the metrics tables to a hub database that already holds parcels, and one feedback row per parcel", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const first = hubMigrations.filter((migration) => migration.id === 1)
          yield* migrate(first)
          yield* sql.execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, updated_at_ms)
             VALUES ('P-1', 'SO-1', 'ups', '1Z1', 'tok-aaaaaaaaaaaaaaaaaaaa', 0)`
          )
          const applied = yield* migrate(hubMigrations)
          const feedback = (token: string) =>
            sql.execute(
              "INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms) VALUES ('P-1', 'SO-1', ?, 0) ON CONFLICT (parcel_id) DO NOTHING",
              [token]
            )
          const inserted = [(yield* feedback("f-1")).changes, (yield* feedback("f-2")).changes]
          const badRating = yield* sql
            .execute("UPDATE hub_feedback SET rating = 6, answered_at_ms = 1 WHERE parcel_id = 'P-1'")
            .pipe(Effect.flip)
          const parcels = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_parcels")
          return { applied, inserted, badRating: badRating.reason, parcels: Number(parcels[0]?.n) }
        })
      )
      expect(result).toEqual({
        applied: [
          10, 20, 21, 22, 30, 31, 40, 50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78,
          80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94, 9001, 9002
        ],
        inserted: [1, 0],
        badRating: "Constraint",
        parcels: 1
      })
    })

    it("20–22 upgrade a database of migration 1: customers and outbox rows keep their data, new columns start empty", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id === 1))
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, opted_out, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 1, 0)"
          )
          yield* sql.execute(
            `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
             VALUES ('n-1', 'packed', 'P-1', 'SO-1', 'ev-1', 0)`
          )
          yield* sql.execute(
            "INSERT INTO hub_outbox (notification_id, channel, status, next_attempt_ms) VALUES ('n-1', 'email', 'suppressed', 0)"
          )
          const applied = yield* migrate(hubMigrations)
          const customer = yield* sql.query("SELECT customer_id, opted_out, opted_out_at_ms FROM hub_customers")
          const outbox = yield* sql.query("SELECT status, suppressed_reason FROM hub_outbox")
          yield* sql.execute(
            "INSERT INTO hub_unsubscribe_tokens (token, customer_id, created_at_ms) VALUES ('tok-1', 'C-1', 0)"
          )
          const secondToken = yield* sql
            .execute(
              "INSERT INTO hub_unsubscribe_tokens (token, customer_id, created_at_ms) VALUES ('tok-2', 'C-1', 0)"
            )
            .pipe(Effect.flip)
          const unit = `INSERT INTO hub_refund_notice_units (order_id, line_id, unit, refund_subject, shop_refund_id,
              amount_minor, currency, event_id, recorded_at_ms) VALUES ('SO-1', '1', 1, 'SO-1/RF-1', 'RF-1', 1290, 'EUR', ?, 0)
            ON CONFLICT (order_id, line_id, unit) DO NOTHING`
          yield* sql.execute(unit, ["ev-1"])
          const replayed = yield* sql.execute(unit, ["ev-2"])
          yield* sql.execute("INSERT INTO hub_carrier_polls (carrier, next_poll_ms) VALUES ('ups', 0)")
          const polls = yield* sql.query("SELECT carrier, next_poll_ms, failures, last_error FROM hub_carrier_polls")
          return { applied, customer, outbox, secondToken: secondToken.reason, replayed: replayed.changes, polls }
        })
      )
      expect(result.applied).toEqual([
        10, 20, 21, 22, 30, 31, 40, 50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80,
        81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94, 9001, 9002
      ])
      expect(result.customer).toEqual([{ customer_id: "C-1", opted_out: 1, opted_out_at_ms: null }])
      expect(result.outbox).toEqual([{ status: "suppressed", suppressed_reason: null }])
      expect(result.secondToken).toBe("Constraint")
      expect(result.replayed).toBe(0)
      expect(result.polls).toEqual([{ carrier: "ups", next_poll_ms: 0, failures: 0, last_error: null }])
    })

    it("migration 30 keeps one refund claim per (order, line, unit) and one hub message per (stream, seq)", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const sql = yield* Sql
          const claim = (itemRef: string) =>
            sql.execute(
              `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id, serial,
                 outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
               VALUES ('SO-1', '1', 'serial:X', ?, 'R', 'HAM1', 'S', 'X', 'refund-full', 100, 'EUR', 'requested', ?, 0)
               ON CONFLICT DO NOTHING`,
              [itemRef, `ev-${itemRef}`]
            )
          const message = (msgId: string) =>
            sql.execute(
              "INSERT INTO hub_messages (msg_id, stream, seq, topic, body, created_at_ms) VALUES (?, 'shop:HAM1', 1, 't', '{}', 0)",
              [msgId]
            )
          const first = yield* claim("A-01")
          const second = yield* claim("B-01")
          yield* message("m-1")
          const duplicate = yield* message("m-2").pipe(Effect.flip)
          return { first: first.changes, second: second.changes, duplicate: duplicate.reason }
        })
      )
      expect(result).toEqual({ first: 1, second: 0, duplicate: "Constraint" })
    })
    it("40: opens a database of migration 30 and adds the shop tables: orders by id, pushes once per key, in sequence", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 30))
          const added = yield* migrate(hubMigrations)
          const sql = yield* Sql
          const push = (id: string, key: string, seq: number) =>
            sql.execute(
              `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key,
                 payload, status, next_attempt_ms, created_at_ms, updated_at_ms)
               VALUES (?, 'shopify', ?, 'fulfillment', ?, 'P-1', 'SHOP-1', 'P-1', '{}', 'queued', 1763700000000, 0, 0)`,
              [id, seq, key]
            )
          yield* push("p-1", "k-1", 1)
          const sameKey = yield* push("p-2", "k-1", 2).pipe(Effect.flip)
          const sameSeq = yield* push("p-3", "k-3", 1).pipe(Effect.flip)
          const rows = yield* sql.query<{ next_attempt_ms: number }>("SELECT next_attempt_ms FROM shop_pushes")
          return { added, sameKey: sameKey.reason, sameSeq: sameSeq.reason, due: Number(rows[0]?.next_attempt_ms) }
        })
      )
      expect(result.added).toEqual([
        31, 40, 50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87,
        88, 89, 90, 92, 93, 94, 9001, 9002
      ])
      expect(result).toMatchObject({ sameKey: "Constraint", sameSeq: "Constraint", due: 1_763_700_000_000 })
    })

    it("50: opens a database of migration 40 whose orders and returns keep their data, and keeps one correction per order (per hold since 56)", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 40))
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'en', 0)"
          )
          yield* sql.execute(
            `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
               station_id, updated_at_ms) VALUES ('SO-1', 2, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', 0)`
          )
          yield* sql.execute(
            "INSERT INTO hub_metrics_returns (return_id, order_id, parcel_id, received_at_ms) VALUES ('R-1', 'SO-1', NULL, 5)"
          )
          const added = yield* migrate(hubMigrations)
          const orders = yield* sql.query(
            "SELECT order_id, order_version, ship_to, cancelled_at_ms, hold_station_id, hold_released_at_ms FROM hub_orders"
          )
          const returns = yield* sql.query("SELECT return_id, voided_at_ms FROM hub_metrics_returns")
          const correction = (shipTo: string) =>
            sql.execute(
              `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
                 corrected_at_ms) VALUES ('SO-1', 1, ?, 3, 'station', 'none', 0)`,
              [shipTo]
            )
          yield* correction("{}")
          const second = yield* correction("{}").pipe(Effect.flip)
          const badRoute = yield* sql
            .execute("UPDATE hub_address_corrections SET route = 'mail' WHERE order_id = 'SO-1'")
            .pipe(Effect.flip)
          return { added, orders, returns, second: second.reason, badRoute: badRoute.reason }
        })
      )
      expect(result).toEqual({
        added: [
          50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88,
          89, 90, 92, 93, 94, 9001, 9002
        ],
        orders: [
          {
            order_id: "SO-1",
            order_version: 2,
            ship_to: null,
            cancelled_at_ms: null,
            hold_station_id: null,
            hold_released_at_ms: null
          }
        ],
        returns: [{ return_id: "R-1", voided_at_ms: null }],
        second: "Constraint",
        badRoute: "Constraint"
      })
    })

    it("55: a parcel handed over before the upgrade keeps its row, with no handover batch; new ones take theirs", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 50))
          const sql = yield* Sql
          const parcel = (id: string) =>
            sql.execute(
              `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, handed_at_ms,
                 updated_at_ms) VALUES (?, 'SO-1', 'dhl-paket', ?, ?, 1, 1)`,
              [id, `TN-${id}`, `token-${id}`]
            )
          yield* parcel("P-OLD")
          const added = yield* migrate(hubMigrations)
          yield* parcel("P-NEW")
          yield* sql.execute("UPDATE hub_parcels SET handover_batch_id = 'HAM1/HO-1' WHERE parcel_id = 'P-NEW'")
          const rows = yield* sql.query<{ parcel_id: string; handover_batch_id: string | null }>(
            "SELECT parcel_id, handover_batch_id FROM hub_parcels ORDER BY parcel_id"
          )
          return { added, rows }
        })
      )
      expect(result.added).toEqual([
        55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90,
        92, 93, 94, 9001, 9002
      ])
      expect(result.rows).toEqual([
        { parcel_id: "P-NEW", handover_batch_id: "HAM1/HO-1" },
        { parcel_id: "P-OLD", handover_batch_id: null }
      ])
    })

    it("56: counts the holds of an order already held, keeps its link and correction as the first hold's, and takes one correction per hold", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 55))
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'en', 0)"
          )
          for (const id of ["SO-1", "SO-2", "SO-3"]) {
            yield* sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, address_problems, updated_at_ms) VALUES (?, 2, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', ?, 0)`,
              [id, id === "SO-2" ? '["no house number"]' : null]
            )
          }
          yield* sql.execute(
            `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, attempts, used_at_ms)
             VALUES ('h-1', 'SO-1', 'n-1', 0, 10, 1, 5)`
          )
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, ship_to, previous_ship_to, order_version, route, shop_update, corrected_at_ms)
             VALUES ('SO-1', '{"city":"B"}', '{"city":"A"}', 3, 'station', 'none', 5)`
          )
          const added = yield* migrate(hubMigrations)
          const holds = yield* sql.query("SELECT order_id, address_holds FROM hub_orders ORDER BY order_id")
          const tokens = yield* sql.query("SELECT token_hash, hold_round, used_at_ms FROM hub_address_tokens")
          const correction = (round: number) =>
            sql.execute(
              `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update, corrected_at_ms)
               VALUES ('SO-1', ?, '{}', 4, 'station', 'none', 9)`,
              [round]
            )
          const sameHold = yield* correction(1).pipe(Effect.flip)
          yield* correction(2)
          const corrections = yield* sql.query(
            "SELECT order_id, hold_round, ship_to, previous_ship_to, order_version FROM hub_address_corrections ORDER BY hold_round"
          )
          return { added, holds, tokens, sameHold: sameHold.reason, corrections }
        })
      )
      expect(result).toEqual({
        added: [
          56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90,
          92, 93, 94, 9001, 9002
        ],
        holds: [
          { order_id: "SO-1", address_holds: 1 },
          { order_id: "SO-2", address_holds: 1 },
          { order_id: "SO-3", address_holds: 0 }
        ],
        tokens: [{ token_hash: "h-1", hold_round: 1, used_at_ms: 5 }],
        sameHold: "Constraint",
        corrections: [
          {
            order_id: "SO-1",
            hold_round: 1,
            ship_to: '{"city":"B"}',
            previous_ship_to: '{"city":"A"}',
            order_version: 3
          },
          { order_id: "SO-1", hold_round: 2, ship_to: "{}", previous_ship_to: null, order_version: 4 }
        ]
      })
    })

    it("59: stores each event's EPCIS view once, pages through a time window by keyset, and prunes by age", async () => {
      const event = (n: number, wallMs: number, siteId = "HAM1"): EventEnvelope => ({
        id: `00000000-0000-7000-8000-00000000000${n}`,
        type: "parcel.handed-to-carrier",
        version: 1,
        siteId,
        stationId: "PACK-01",
        epoch: "E1",
        seq: n,
        eventTime: { wallMs, monoNs: "0" },
        recordTimeMs: wallMs + 5,
        actor: { role: "system" },
        payload: {},
        epcis: { eventType: "ObjectEvent", action: "OBSERVE", bizStep: "shipping" }
      })
      const t = 1_795_000_000_000
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 58))
          const added = yield* migrate(hubMigrations)
          const places = { timeZone: "Europe/Berlin" }
          // Three share one millisecond: the page boundary falls between them.
          const events = [event(5, t + 2), event(1, t), event(3, t + 1), event(2, t + 1), event(4, t + 1, "MUC1")]
          const stored = yield* Effect.forEach(events, (one) => recordEpcisEvent(one, places))
          const again = yield* recordEpcisEvent(events[0]!, places)
          const noView = yield* recordEpcisEvent({ ...event(6, t), epcis: undefined } as EventEnvelope, places)
          const pages: Array<ReadonlyArray<number>> = []
          let cursor: EpcisCursor | undefined
          do {
            const page = yield* readEpcisPage({ fromMs: t, toMs: t + 3 }, cursor, 2)
            pages.push(page.documents.map((document) => JSON.parse(document)["packbench:seq"] as number))
            cursor = page.next
          } while (cursor !== undefined)
          const halfOpen = yield* readEpcisPage({ fromMs: t, toMs: t + 2, siteId: "HAM1" }, undefined, 10)
          const pruned = yield* pruneEpcisEvents(t + 1 + 400 * 86_400_000, 400)
          const left = yield* readEpcisPage({ fromMs: 0, toMs: t + 10 }, undefined, 10)
          return {
            added,
            stored,
            again,
            noView,
            pages,
            halfOpen: halfOpen.documents.map((document) => JSON.parse(document)["packbench:seq"]),
            pruned,
            left: left.documents.map((document) => JSON.parse(document)["packbench:seq"])
          }
        })
      )
      expect(result).toEqual({
        added: [
          59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94,
          9001, 9002
        ],
        stored: [true, true, true, true, true],
        again: false,
        noView: false,
        pages: [[1, 2], [3, 4], [5]],
        halfOpen: [1, 2, 3],
        pruned: 1,
        left: [2, 3, 4, 5]
      })
    })

    it("57: keeps the queued pushes and their numbering, and takes address corrections as a third kind", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 56))
          const sql = yield* Sql
          const push = (id: string, kind: string, seq: number) =>
            sql.execute(
              `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key,
                 payload, status, next_attempt_ms, created_at_ms, updated_at_ms)
               VALUES (?, 'shopify', ?, ?, ?, 'S', 'SO-1', 'G', '{}', 'queued', 1763700000000, 0, 0)`,
              [id, seq, kind, `key-${id}`]
            )
          yield* push("p-1", "fulfillment", 1)
          const before = yield* push("p-0", "address", 2).pipe(Effect.flip)
          const added = yield* migrate(hubMigrations)
          yield* push("p-2", "address", 2)
          const sameSeq = yield* push("p-3", "address", 2).pipe(Effect.flip)
          const otherKind = yield* push("p-4", "invoice", 4).pipe(Effect.flip)
          const rows = yield* sql.query<{ push_id: string; kind: string; seq: number; next_attempt_ms: number }>(
            "SELECT push_id, kind, seq, next_attempt_ms FROM shop_pushes ORDER BY seq"
          )
          return {
            before: before.reason,
            added,
            sameSeq: sameSeq.reason,
            otherKind: otherKind.reason,
            rows: rows.map((row) => [row.push_id, row.kind, Number(row.seq), Number(row.next_attempt_ms)])
          }
        })
      )
      expect(result).toEqual({
        before: "Constraint",
        added: [
          57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92,
          93, 94, 9001, 9002
        ],
        sameSeq: "Constraint",
        otherKind: "Constraint",
        rows: [
          ["p-1", "fulfillment", 1, 1_763_700_000_000],
          ["p-2", "address", 2, 1_763_700_000_000]
        ]
      })
    })

    it("58: marks the parcels whose timers are over, so the tick reads only those still in flight", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 57))
          const sql = yield* Sql
          const parcel = (id: string, order: string, status: string | null, handedAtMs: number | null) =>
            sql.execute(
              `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, status,
                 handed_at_ms, updated_at_ms) VALUES (?, ?, 'dhl-paket', ?, ?, ?, ?, 1000)`,
              [id, order, `T-${id}`, `token-${id}`, status, handedAtMs]
            )
          yield* parcel("P-feedback", "SO-1", "delivered", 10)
          yield* parcel("P-expired", "SO-2", "expired", 10)
          yield* parcel("P-moving", "SO-3", "in-transit", 10)
          yield* parcel("P-packed", "SO-4", null, null)
          yield* sql.execute(
            `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
             VALUES ('N-1', 'feedback-request', 'SO-1', 'SO-1', 'e-1', 500)`
          )
          const added = yield* migrate(hubMigrations)
          const rows = yield* sql.query<{ parcel_id: string; done: number | null }>(
            "SELECT parcel_id, timers_done_at_ms AS done FROM hub_parcels ORDER BY parcel_id"
          )
          return { added, rows: rows.map((row) => [row.parcel_id, row.done === null ? null : Number(row.done)]) }
        })
      )
      expect(result).toEqual({
        added: [
          58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93,
          94, 9001, 9002
        ],
        rows: [
          ["P-expired", 1000],
          ["P-feedback", 1000],
          ["P-moving", null],
          ["P-packed", null]
        ]
      })
    })

    it("61: an order cancelled before the upgrade counts cancelled up to its version; the others have no word on it", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 60 || migration.id >= 9001))
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
          )
          const order = (id: string, version: number, cancelledAtMs: number | null) =>
            sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, updated_at_ms, cancelled_at_ms) VALUES (?, ?, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', 0, ?)`,
              [id, version, cancelledAtMs]
            )
          yield* order("SO-1", 4, 1_763_700_000_000)
          yield* order("SO-2", 3, null)
          const added = yield* migrate(hubMigrations)
          const rows = yield* sql.query<{
            order_id: string
            cancelled_at_ms: number | null
            cancellation_version: number | null
          }>("SELECT order_id, cancelled_at_ms, cancellation_version FROM hub_orders ORDER BY order_id")
          return {
            added,
            rows: rows.map((row) => [
              row.order_id,
              row.cancelled_at_ms === null ? null : Number(row.cancelled_at_ms),
              row.cancellation_version === null ? null : Number(row.cancellation_version)
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        rows: [
          ["SO-1", 1_763_700_000_000, 4],
          ["SO-2", null, null]
        ]
      })
    })

    it("62: keeps an order's versions as they were and takes one a shop stamps by its change time in ms", async () => {
      const changeTimeMs = 1_795_000_000_000
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 61 || migration.id >= 9001))
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
          )
          const order = (id: string, version: number) =>
            Effect.gen(function* () {
              yield* sql.execute(
                `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                   station_id, updated_at_ms, cancelled_at_ms, cancellation_version, shop_version)
                 VALUES (?, ?, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', 0, 0, ?, ?)`,
                [id, version, version, version]
              )
              yield* sql.execute(
                `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source)
                 VALUES (?, ?, 'EUR', 100, '[]', 'shop')`,
                [id, version]
              )
              yield* sql.execute(
                `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
                   corrected_at_ms) VALUES (?, 1, '{}', ?, 'station', 'none', 0)`,
                [id, version + 1]
              )
            })
          yield* order("SO-1", 4)
          yield* order("SO-2", 5)
          const added = yield* migrate(hubMigrations)
          // A later version of SO-2 from a shop that versions by its change time.
          yield* sql.execute(
            `UPDATE hub_orders SET order_version = ?, cancellation_version = ?, shop_version = ?
             WHERE order_id = 'SO-2'`,
            [changeTimeMs, changeTimeMs, changeTimeMs]
          )
          yield* sql.execute("UPDATE hub_refund_orders SET order_version = ? WHERE order_id = 'SO-2'", [changeTimeMs])
          yield* sql.execute("UPDATE hub_address_corrections SET order_version = ? WHERE order_id = 'SO-2'", [
            changeTimeMs + 1
          ])
          const rows = yield* sql.query<{
            order_id: string
            order_version: number
            cancellation_version: number
            shop_version: number
            ledger_version: number
            corrected_version: number
          }>(
            `SELECT o.order_id, o.order_version, o.cancellation_version, o.shop_version, r.order_version AS ledger_version,
               a.order_version AS corrected_version
             FROM hub_orders o JOIN hub_refund_orders r USING (order_id) JOIN hub_address_corrections a USING (order_id)
             ORDER BY o.order_id`
          )
          return {
            added,
            rows: rows.map((row) => [
              row.order_id,
              Number(row.order_version),
              Number(row.cancellation_version),
              Number(row.shop_version),
              Number(row.ledger_version),
              Number(row.corrected_version)
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        rows: [
          ["SO-1", 4, 4, 4, 4, 5],
          ["SO-2", changeTimeMs, changeTimeMs, changeTimeMs, changeTimeMs, changeTimeMs + 1]
        ]
      })
    })

    it("63: a push failed before counts as refused by the shop; pushes and connectors start with no failures that stay", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 62 || migration.id >= 9001))
          const sql = yield* Sql
          const push = (id: string, seq: number, status: string) =>
            sql.execute(
              `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key,
                 payload, status, attempts, next_attempt_ms, last_error, created_at_ms, updated_at_ms)
               VALUES (?, 'shopify', ?, 'refund', ?, 'S', 'SO-1', 'G', '{}', ?, 2, 0, ?, 0, 0)`,
              [id, seq, `key-${id}`, status, status === "failed" ? "Rejected: no" : null]
            )
          yield* push("p-1", 1, "failed")
          yield* push("p-2", 2, "queued")
          yield* push("p-3", 3, "discarded")
          yield* sql.execute(
            "INSERT INTO shop_connectors (connector_id, poll_cursor, poll_failures) VALUES ('shopify', 'c-1', 2)"
          )
          const added = yield* migrate(hubMigrations)
          const pushes = yield* sql.query<{
            push_id: string
            status: string
            attempts: number
            stuck_failures: number
            failed_as: string | null
          }>("SELECT push_id, status, attempts, stuck_failures, failed_as FROM shop_pushes ORDER BY seq")
          const connectors = yield* sql.query<{
            poll_cursor: string
            poll_failures: number
            poll_stuck_failures: number
            poll_problem_as: string | null
            poll_problem: string | null
            poll_problem_since_ms: number | null
          }>(
            `SELECT poll_cursor, poll_failures, poll_stuck_failures, poll_problem_as, poll_problem, poll_problem_since_ms
             FROM shop_connectors`
          )
          return {
            added,
            pushes: pushes.map((row) => [
              row.push_id,
              row.status,
              Number(row.attempts),
              Number(row.stuck_failures),
              row.failed_as
            ]),
            connectors: connectors.map((row) => ({
              ...row,
              poll_failures: Number(row.poll_failures),
              poll_stuck_failures: Number(row.poll_stuck_failures)
            }))
          }
        })
      )
      expect(result).toEqual({
        added: [63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        pushes: [
          ["p-1", "failed", 2, 0, "refused"],
          ["p-2", "queued", 2, 0, null],
          ["p-3", "discarded", 2, 0, null]
        ],
        connectors: [
          {
            poll_cursor: "c-1",
            poll_failures: 2,
            poll_stuck_failures: 0,
            poll_problem_as: null,
            poll_problem: null,
            poll_problem_since_ms: null
          }
        ]
      })
    })

    it("64: a claim made before counts on its line, takes its item when a station names it, and no unit is paid twice after the shop numbers the lines anew", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 63 || migration.id >= 9001))
          const sql = yield* Sql
          // An order as the ledger kept it before 64 (its lines name no item), the socks of line 2 claimed.
          yield* sql.execute(
            `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source)
             VALUES ('SO-1', 1, 'EUR', 4230, ?, 'shop')`,
            [
              JSON.stringify([
                { lineId: "1", quantity: 2, paidUnitCents: 1_290 },
                { lineId: "2", quantity: 1, paidUnitCents: 1_650 }
              ])
            ]
          )
          yield* sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id, serial,
               outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SO-1', '2', 'unit:1', 'A-R1-01', 'A-R1', 'HAM1', 'A', NULL, 'refund-full', 1650, 'EUR', 'issued',
               'ev-a', 1)`
          )
          const added = yield* migrate(hubMigrations)
          const before = yield* sql.query("SELECT item_ref, sku FROM hub_refund_claims")
          const ledger = makeRefundLedger(sql)
          const decide = (returnId: string, lineId: string, sku: string, amountCents: number) =>
            ledger.applyDecided(
              { id: `ev-${returnId}`, siteId: "HAM1", stationId: "B" } as EventEnvelope,
              {
                returnId,
                itemRef: `${returnId}-01`,
                orderId: "SO-1",
                lineId,
                unit: 1,
                sku,
                gtin: null,
                serial: null,
                lot: null,
                outcome: "refund-full",
                amountCents,
                currency: "EUR",
                ruleId: null,
                reason: { de: "", en: "" },
                source: "rules",
                previousOutcome: null
              },
              2
            )
          // The old row still counts per line: the socks once, a mug.
          yield* decide("B-R1", "2", "ALP-SOCK-M", 1_650)
          yield* decide("B-R2", "1", "ALP-MUG-01", 1_290)
          // The shop numbers the lines anew; the station that packed the parcel says which item line 2 held.
          const renumbered = {
            orderId: "SO-1",
            version: 2,
            lines: [
              { lineId: "m-7", sku: "ALP-MUG-01", quantity: 2, unitPrice: 12.9 },
              { lineId: "s-7", sku: "ALP-SOCK-M", quantity: 1, unitPrice: 16.5 }
            ],
            payment: { method: "paypal", currency: "EUR", total: 42.3 }
          } as unknown as Order
          yield* ledger.recordShopOrder(renumbered, yield* inboundVersion("order SO-1", 2, 2))
          yield* ledger.applyLinesRenumbered({
            orderId: "SO-1",
            parcelId: "P-1",
            orderVersion: 2,
            moves: [
              { fromLineId: "1", toLineId: "m-7", sku: "ALP-MUG-01", quantity: 2 },
              { fromLineId: "2", toLineId: "s-7", sku: "ALP-SOCK-M", quantity: 1 }
            ],
            items: [{ lineId: "s-7", sku: "ALP-SOCK-M", quantity: 1 }]
          })
          yield* decide("B-R3", "s-7", "ALP-SOCK-M", 1_650)
          yield* decide("B-R4", "m-7", "ALP-MUG-01", 1_290)
          const claims = yield* sql.query<{ item_ref: string; line_id: string; sku: string | null }>(
            "SELECT item_ref, line_id, sku FROM hub_refund_claims ORDER BY item_ref"
          )
          const rejections = yield* sql.query("SELECT return_id, reason, other_return_id FROM hub_refund_rejections")
          return { added, before, claims, rejections }
        })
      )
      expect(result).toEqual({
        added: [64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        before: [{ item_ref: "A-R1-01", sku: null }],
        claims: [
          { item_ref: "A-R1-01", line_id: "2", sku: "ALP-SOCK-M" },
          { item_ref: "B-R2-01", line_id: "1", sku: "ALP-MUG-01" },
          { item_ref: "B-R4-01", line_id: "m-7", sku: "ALP-MUG-01" }
        ],
        rejections: [
          { return_id: "B-R1", reason: "duplicate-unit", other_return_id: "A-R1" },
          // After the renumbering: the old claim holds the socks on their former line, under the other numbering.
          { return_id: "B-R3", reason: "duplicate-unit-renumbered", other_return_id: "A-R1" }
        ]
      })
    })

    it("66: every order counts as known to the station that sent it and the one that held it; corrections start with no station's word against them", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 64 || migration.id >= 9001))
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
          )
          for (const [orderId, holder] of [
            ["SO-1", "PACK-02"],
            ["SO-2", "PACK-01"],
            ["SO-3", null]
          ] as const) {
            yield* sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, hold_station_id, updated_at_ms) VALUES (?, 1, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1',
                 'PACK-01', ?, 1763700000000)`,
              [orderId, holder]
            )
          }
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
               corrected_at_ms) VALUES ('SO-1', 1, '{}', 1, 'station', 'none', 0)`
          )
          const added = yield* migrate(hubMigrations)
          const stations = yield* sql.query<{ order_id: string; station_id: string; first_seen_ms: number }>(
            "SELECT order_id, station_id, first_seen_ms FROM hub_order_stations ORDER BY order_id, station_id"
          )
          const before = yield* sql.query(
            "SELECT ignored_cause, ignored_station_id, ignored_at_ms FROM hub_address_corrections"
          )
          yield* sql.execute(
            "UPDATE hub_address_corrections SET ignored_cause = 'handed-to-carrier', ignored_station_id = 'PACK-02', ignored_at_ms = ?",
            [1_763_700_000_000]
          )
          const after = yield* sql.query<{ ignored_at_ms: number }>("SELECT ignored_at_ms FROM hub_address_corrections")
          const twice = yield* sql
            .execute(
              "INSERT INTO hub_order_stations (order_id, site_id, station_id, first_seen_ms) VALUES ('SO-1', 'HAM1', 'PACK-01', 0)"
            )
            .pipe(Effect.flip)
          return {
            added,
            stations: stations.map((row) => [row.order_id, row.station_id, Number(row.first_seen_ms)]),
            before,
            after: Number(after[0]!.ignored_at_ms),
            twice: twice.reason
          }
        })
      )
      expect(result).toEqual({
        added: [66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        stations: [
          ["SO-1", "PACK-01", 1_763_700_000_000],
          ["SO-1", "PACK-02", 1_763_700_000_000],
          ["SO-2", "PACK-01", 1_763_700_000_000],
          ["SO-3", "PACK-01", 1_763_700_000_000]
        ],
        before: [{ ignored_cause: null, ignored_station_id: null, ignored_at_ms: null }],
        after: 1_763_700_000_000,
        twice: "Constraint"
      })
    })

    it("67: keeps the webhook deliveries recorded before, and finds a connector's oldest by their age", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 66 || migration.id >= 9001))
          const sql = yield* Sql
          for (const [connector, delivery, atMs] of [
            ["shopify", "sha256:a", 1_763_700_000_000],
            ["shopify", "sha256:b", 1_764_300_000_000],
            ["woo", "sha256:a", 1_763_700_000_000]
          ] as const) {
            yield* sql.execute(
              "INSERT INTO shop_webhook_deliveries (connector_id, delivery_id, received_at_ms) VALUES (?, ?, ?)",
              [connector, delivery, atMs]
            )
          }
          const added = yield* migrate(hubMigrations)
          const kept = yield* sql.query<{ connector_id: string; delivery_id: string; received_at_ms: number }>(
            "SELECT connector_id, delivery_id, received_at_ms FROM shop_webhook_deliveries ORDER BY connector_id, delivery_id"
          )
          const indexes = yield* sql.query<{ name: string }>(
            store.dialect === "sqlite"
              ? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'shop_webhook_deliveries' AND sql IS NOT NULL"
              : "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'shop_webhook_deliveries' AND indexname NOT LIKE '%pkey'"
          )
          const older = yield* sql.query<{ delivery_id: string }>(
            "SELECT delivery_id FROM shop_webhook_deliveries WHERE connector_id = ? AND received_at_ms < ?",
            ["shopify", 1_764_000_000_000]
          )
          return {
            added,
            kept: kept.map((row) => [row.connector_id, row.delivery_id, Number(row.received_at_ms)]),
            indexes: indexes.map((row) => row.name),
            older: older.map((row) => row.delivery_id)
          }
        })
      )
      expect(result).toEqual({
        added: [67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        kept: [
          ["shopify", "sha256:a", 1_763_700_000_000],
          ["shopify", "sha256:b", 1_764_300_000_000],
          ["woo", "sha256:a", 1_763_700_000_000]
        ],
        indexes: ["shop_webhook_deliveries_by_age"],
        older: ["sha256:a"]
      })
    })

    it("68: an order voided in the EPCIS export before stays voided once: its first void holds, a later one adds nothing", async () => {
      const t = 1_795_000_000_000
      const cancellation = (n: number, orderId: string, wallMs: number): EventEnvelope => ({
        id: `0190a000-0000-7000-8000-00000000000${n}`,
        type: "order.cancelled",
        version: 1,
        siteId: "HAM1",
        stationId: "PACK-01",
        epoch: "E1",
        seq: n,
        eventTime: { wallMs, monoNs: "0" },
        recordTimeMs: wallMs,
        actor: { role: "system" },
        payload: { orderId, orderVersion: n, previousStatus: "shipped", interruptedPacking: false },
        epcis: {
          eventType: "TransactionEvent",
          action: "DELETE",
          bizStep: "void_shipping",
          bizTransactionList: [{ type: "po", bizTransaction: `urn:packbench:order:${orderId}` }]
        }
      })
      const places = { timeZone: "Europe/Berlin" }
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 67))
          // What a hub before 68 exported: every repeat of SO-1's void, and a parcel's unpacking (no transaction void).
          const exportedBefore68 = (event: EventEnvelope) =>
            sql.execute(
              `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
                 document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
              epcisEventRow(event, toEpcisEvent(event, places)!)
            )
          yield* exportedBefore68(cancellation(2, "SO-1", t + 2))
          yield* exportedBefore68(cancellation(1, "SO-1", t + 1))
          yield* exportedBefore68(cancellation(3, "SO-2", t))
          yield* exportedBefore68({
            ...cancellation(4, "SO-3", t + 3),
            type: "parcel.voided",
            epcis: {
              eventType: "AggregationEvent",
              action: "DELETE",
              bizStep: "unpacking",
              parentID: "urn:epc:id:sscc:4012345.0000000001"
            }
          })
          const added = yield* migrate(hubMigrations)
          const voided = yield* sql.query(
            "SELECT biz_transaction, event_id FROM hub_epcis_voided_transactions ORDER BY biz_transaction"
          )
          const repeat = yield* recordEpcisEvent(cancellation(5, "SO-1", t + 5), places)
          const firstOfSo3 = yield* recordEpcisEvent(cancellation(6, "SO-3", t + 6), places)
          const stored = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_epcis_events")
          return { added, voided, repeat, firstOfSo3, stored: Number(stored[0]?.n) }
        })
      )
      expect(result).toEqual({
        added: [68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94, 9001, 9002],
        voided: [
          { biz_transaction: "urn:packbench:order:SO-1", event_id: "0190a000-0000-7000-8000-000000000001" },
          { biz_transaction: "urn:packbench:order:SO-2", event_id: "0190a000-0000-7000-8000-000000000003" }
        ],
        repeat: false,
        firstOfSo3: true,
        // The repeats exported before stay: an export is never edited.
        stored: 5
      })
    })

    it("69: a station's word against a correction kept before counts as its answer; corrections with none start with no answers", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 68 || migration.id >= 9001))
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
          )
          for (const orderId of ["SO-1", "SO-2", "SO-3"]) {
            yield* sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, updated_at_ms) VALUES (?, 1, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'PACK-01', 0)`,
              [orderId]
            )
          }
          // SO-1: PACK-02 said the parcel had left; SO-2: a correction no station said anything against; SO-3: one
          // through a shop connector.
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
               corrected_at_ms, ignored_cause, ignored_station_id, ignored_at_ms)
             VALUES ('SO-1', 2, '{}', 1, 'station', 'none', 1763700000000, 'handed-to-carrier', 'PACK-02', 1763700060000),
               ('SO-2', 1, '{}', 1, 'station', 'none', 1763700000000, NULL, NULL, NULL),
               ('SO-3', 1, '{}', 2, 'shop', 'queued', 1763700000000, NULL, NULL, NULL)`
          )
          const added = yield* migrate(hubMigrations)
          const answers = yield* sql.query<Record<string, unknown>>(
            `SELECT order_id, hold_round, site_id, station_id, outcome, cause, order_version, answered_at_ms
             FROM hub_correction_answers ORDER BY order_id`
          )
          const insert = (outcome: string) =>
            sql.execute(
              `INSERT INTO hub_correction_answers (order_id, hold_round, site_id, station_id, outcome, answered_at_ms)
               VALUES ('SO-2', 1, 'HAM1', 'PACK-01', ?, 0)`,
              [outcome]
            )
          yield* insert("applied")
          const twice = yield* insert("ignored").pipe(Effect.flip)
          const unknown = yield* sql
            .execute(
              `INSERT INTO hub_correction_answers (order_id, hold_round, site_id, station_id, outcome, answered_at_ms)
               VALUES ('SO-2', 1, 'HAM1', 'PACK-03', 'lost', 0)`
            )
            .pipe(Effect.flip)
          return {
            added,
            answers: answers.map((row) => ({
              ...row,
              hold_round: Number(row.hold_round),
              answered_at_ms: Number(row.answered_at_ms)
            })),
            twice: twice.reason,
            unknown: unknown.reason
          }
        })
      )
      expect(result).toEqual({
        added: [69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        answers: [
          {
            order_id: "SO-1",
            hold_round: 2,
            site_id: "HAM1",
            station_id: "PACK-02",
            outcome: "ignored",
            cause: "handed-to-carrier",
            order_version: null,
            answered_at_ms: 1_763_700_060_000
          }
        ],
        twice: "Constraint",
        unknown: "Constraint"
      })
    })

    it("70: a claim keeps the line its station decided on, so a duplicate across a renumbering is told as such; one made before has none, and its own line stands for it", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 68 || migration.id >= 9001))
          const sql = yield* Sql
          // The order as the shop has it after numbering its lines anew; the socks were claimed before 70 on s-7.
          yield* sql.execute(
            `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source)
             VALUES ('SO-1', 2, 'EUR', 4230, ?, 'shop')`,
            [
              JSON.stringify([
                { lineId: "m-7", sku: "ALP-MUG-01", quantity: 2, paidUnitCents: 1_290 },
                { lineId: "s-7", sku: "ALP-SOCK-M", quantity: 1, paidUnitCents: 1_650 }
              ])
            ]
          )
          yield* sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, sku, item_ref, return_id, site_id, station_id,
               serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SO-1', 's-7', 'unit:1', 'ALP-SOCK-M', 'A-R1-01', 'A-R1', 'HAM1', 'A', NULL, 'refund-full', 1650,
               'EUR', 'requested', 'ev-a', 1)`
          )
          const added = yield* migrate(hubMigrations)
          const before = yield* sql.query("SELECT item_ref, decided_line_id FROM hub_refund_claims")
          const ledger = makeRefundLedger(sql)
          const decide = (returnId: string, lineId: string, sku: string, amountCents: number) =>
            ledger.applyDecided(
              { id: `ev-${returnId}`, siteId: "HAM1", stationId: "B" } as EventEnvelope,
              {
                returnId,
                itemRef: `${returnId}-01`,
                orderId: "SO-1",
                lineId,
                unit: 1,
                sku,
                gtin: null,
                serial: null,
                lot: null,
                outcome: "refund-full",
                amountCents,
                currency: "EUR",
                ruleId: null,
                reason: { de: "", en: "" },
                source: "rules",
                previousOutcome: null
              },
              2
            )
          // The socks again on their line: the claim from before 70 stands on its own line.
          yield* decide("B-R1", "s-7", "ALP-SOCK-M", 1_650)
          // A station that decided a mug on its former line 1 is granted the mug's line m-7; a second mug is paid, and
          // the first one again on m-7 is the unit decided under the other numbering.
          yield* decide("C-R1", "1", "ALP-MUG-01", 1_290)
          yield* decide("D-R1", "m-7", "ALP-MUG-01", 1_290)
          yield* decide("E-R1", "m-7", "ALP-MUG-01", 1_290)
          const claims = yield* sql.query(
            "SELECT item_ref, line_id, decided_line_id FROM hub_refund_claims ORDER BY item_ref"
          )
          const rejections = yield* sql.query(
            "SELECT return_id, reason, other_return_id FROM hub_refund_rejections ORDER BY return_id"
          )
          const told = (yield* sql.query<{ body: string }>(
            "SELECT body FROM hub_messages WHERE stream = 'station:HAM1/B' ORDER BY seq"
          )).map((row) => {
            const { returnId, reason, linesKnown } = JSON.parse(row.body).payload
            return { returnId, reason, linesKnown }
          })
          return { added, before, claims, rejections, told }
        })
      )
      expect(result).toEqual({
        added: [69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        before: [{ item_ref: "A-R1-01", decided_line_id: null }],
        claims: [
          { item_ref: "A-R1-01", line_id: "s-7", decided_line_id: null },
          { item_ref: "C-R1-01", line_id: "m-7", decided_line_id: "1" },
          { item_ref: "D-R1-01", line_id: "m-7", decided_line_id: "m-7" }
        ],
        rejections: [
          { return_id: "B-R1", reason: "duplicate-unit", other_return_id: "A-R1" },
          { return_id: "E-R1", reason: "duplicate-unit-renumbered", other_return_id: "C-R1" }
        ],
        // Against the claim from before 70 the hub cannot know whether A decided on s-7 or on a former line: it says so.
        told: [
          { returnId: "B-R1", reason: "duplicate-unit", linesKnown: false },
          { returnId: "E-R1", reason: "duplicate-unit-renumbered", linesKnown: true }
        ]
      })
    })

    it("68: an order the shop's stream shows reinstated after its cancellation is not cancelled any more; the others stay as they were", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 67))
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'en', 0)"
          )
          const shopOrder = (orderId: string, state: string, version: number) =>
            sql.execute(
              `INSERT INTO shop_orders (connector_id, shop_order_id, order_id, site_id, state, version, shop_updated_ms,
                 mapped, received_at_ms, updated_at_ms) VALUES ('shopify', ?, ?, 'HAM1', ?, ?, 0, '{}', 0, 0)`,
              [`#${orderId}`, orderId, state, version]
            )
          // SO-1: reinstated by the shop at version 3 (a station of an older version said nothing of it); SO-2: the
          // shop's latest word is its cancellation; SO-3: a shop order reinstated then cancelled again at 4; SO-4: an
          // order from a source with no connector, whose status the hub never kept: nothing shows it.
          for (const [orderId, cancellationVersion] of [
            ["SO-1", 2],
            ["SO-2", 2],
            ["SO-3", 4],
            ["SO-4", 2]
          ] as const) {
            yield* sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, cancelled_at_ms, cancellation_version, updated_at_ms)
               VALUES (?, 3, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', 1763700000000, ?, 0)`,
              [orderId, cancellationVersion]
            )
            yield* sql.execute(
              `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
               VALUES (?, 'order-cancelled', ?, ?, 'ev-1', 0)`,
              [`n-${orderId}`, orderId, orderId]
            )
            yield* sql.execute(
              "INSERT INTO hub_outbox (notification_id, channel, status, next_attempt_ms) VALUES (?, 'email', 'pending', 0)",
              [`n-${orderId}`]
            )
          }
          yield* shopOrder("SO-1", "open", 3)
          yield* shopOrder("SO-2", "cancelled", 3)
          yield* shopOrder("SO-3", "cancelled", 4)
          const added = yield* migrate(hubMigrations)
          const orders = yield* sql.query<{
            order_id: string
            cancelled: number | boolean
            cancellation_version: number | string
          }>(
            "SELECT order_id, cancelled_at_ms IS NOT NULL AS cancelled, cancellation_version FROM hub_orders ORDER BY order_id"
          )
          const outbox = yield* sql.query(
            "SELECT notification_id, status, suppressed_reason FROM hub_outbox ORDER BY notification_id"
          )
          return {
            added,
            orders: orders.map((row) => [row.order_id, Boolean(row.cancelled), Number(row.cancellation_version)]),
            outbox
          }
        })
      )
      expect(result).toEqual({
        added: [68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94, 9001, 9002],
        orders: [
          ["SO-1", false, 3],
          ["SO-2", true, 2],
          ["SO-3", true, 4],
          ["SO-4", true, 2]
        ],
        outbox: [
          {
            notification_id: "n-SO-1",
            status: "suppressed",
            suppressed_reason: "the cancellation of order SO-1 was taken back"
          },
          { notification_id: "n-SO-2", status: "pending", suppressed_reason: null },
          { notification_id: "n-SO-3", status: "pending", suppressed_reason: null },
          { notification_id: "n-SO-4", status: "pending", suppressed_reason: null }
        ]
      })
    })

    it("31 and 9002 upgrade a database of migration 30: orders keep their data and count as a station's word", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 30 || migration.id === 9001))
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
          )
          yield* sql.execute(
            `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
               station_id, updated_at_ms) VALUES ('SO-1', 2, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'S', 0)`
          )
          yield* sql.execute(
            "INSERT INTO sync_consumer_held (site_id, station_id, epoch, seq, reason, envelope, received_at_ms) VALUES ('HAM1', 'S', 'E', 5, 'gap', '{\"id\":\"ev-5\"}', 0)"
          )
          const applied = yield* migrate(hubMigrations)
          const orders = yield* sql.query(
            "SELECT order_id, order_version, customer_source, shop_version FROM hub_orders"
          )
          const held = yield* sql.query("SELECT seq, event_id FROM sync_consumer_held")
          const conflict = (eventId: string) =>
            sql.execute(
              `INSERT INTO sync_consumer_conflicts (kind, site_id, station_id, epoch, seq, event_id, topic, reason, payload,
                 payload_sha256, payload_bytes, first_seen_ms, last_seen_ms, seen)
               VALUES ('conflict', 'HAM1', 'S', 'E', 5, ?, 't', 'r', '{}', 'x', 2, 0, 0, 1)`,
              [eventId]
            )
          yield* conflict("ev-5b")
          const twice = yield* conflict("ev-5b").pipe(Effect.flip)
          return { applied, orders, held, twice: twice.reason }
        })
      )
      expect(result.applied).toEqual([
        31, 40, 50, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 67, 68, 69, 70, 73, 74, 77, 78, 80, 81, 83, 84, 85, 87,
        88, 89, 90, 92, 93, 94, 9002
      ])
      expect(result.orders).toEqual([
        { order_id: "SO-1", order_version: 2, customer_source: "station", shop_version: null }
      ])
      expect(result.held).toEqual([{ seq: 5, event_id: null }])
      expect(result.twice).toBe("Constraint")
    })

    it("74: corrections told of, and those through a shop connector, wait for no answer; the others are the timer's", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 73 || migration.id >= 9001))
          // SO-1: told that the parcel had left; SO-2: a correction a silent station kept untold; SO-3: a connector's.
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
               corrected_at_ms, ignored_cause, ignored_station_id, ignored_at_ms)
             VALUES ('SO-1', 2, '{}', 1, 'station', 'none', 1763700000000, 'handed-to-carrier', 'PACK-02', 1763700060000),
               ('SO-2', 1, '{}', 1, 'station', 'none', 1763700000000, NULL, NULL, NULL),
               ('SO-3', 1, '{}', 2, 'shop', 'queued', 1763700000000, NULL, NULL, NULL)`
          )
          const added = yield* migrate(hubMigrations)
          const rows = yield* sql.query<{ order_id: string; answer_wait_done_at_ms: number | null }>(
            "SELECT order_id, answer_wait_done_at_ms FROM hub_address_corrections ORDER BY order_id"
          )
          return {
            added,
            rows: rows.map((row) => [
              row.order_id,
              row.answer_wait_done_at_ms === null ? null : Number(row.answer_wait_done_at_ms)
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [74, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        rows: [
          ["SO-1", 1_763_700_060_000],
          ["SO-2", null],
          ["SO-3", 1_763_700_000_000]
        ]
      })
    })

    it("77: a parcel recorded before keeps no station (which label it carries is not known); a new one takes its packing station", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 74 || migration.id >= 9001))
          yield* sql.execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, packed_at_ms,
               handed_at_ms, updated_at_ms) VALUES ('P-1', 'SO-1', 'ups', '1Z1', 't-1', 10, 20, 20)`
          )
          const added = yield* migrate(hubMigrations)
          yield* sql.execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, site_id, station_id,
               packed_at_ms, updated_at_ms) VALUES ('P-2', 'SO-1', 'ups', '1Z2', 't-2', 'HAM1', 'PACK-02', 30, 30)`
          )
          const rows = yield* sql.query<{ parcel_id: string; site_id: string | null; station_id: string | null }>(
            "SELECT parcel_id, site_id, station_id FROM hub_parcels WHERE order_id = 'SO-1' ORDER BY parcel_id"
          )
          return { added, rows }
        })
      )
      expect(result).toEqual({
        added: [77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        rows: [
          { parcel_id: "P-1", site_id: null, station_id: null },
          { parcel_id: "P-2", site_id: "HAM1", station_id: "PACK-02" }
        ]
      })
    })

    it("78: a connector's correction made before waits for no answer; one made after is the timer's as the hub's own are", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 77 || migration.id >= 9001))
          // SO-1: a connector's correction after migration 74, with no station's answer kept; SO-2: the hub's own,
          // waiting for a silent station.
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
               corrected_at_ms) VALUES ('SO-1', 1, '{}', 2, 'shop', 'queued', 1763700000000),
               ('SO-2', 1, '{}', 1, 'station', 'none', 1763700000000)`
          )
          const added = yield* migrate(hubMigrations)
          yield* sql.execute(
            `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, order_version, route, shop_update,
               corrected_at_ms) VALUES ('SO-3', 1, '{}', 2, 'shop', 'queued', 1763700000000)`
          )
          const waiting = yield* correctionsWaitOver(sql, 0, 1_763_700_000_000, 10)
          return { added, waiting }
        })
      )
      expect(result).toEqual({
        added: [78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        waiting: [
          { orderId: "SO-2", correction: 1 },
          { orderId: "SO-3", correction: 1 }
        ]
      })
    })

    /** Customer C-1 and orders of theirs: [order id, version, cancelled at (ms), cancellation's version]. */
    const ordersOfOneCustomer = (orders: ReadonlyArray<readonly [string, number, number | null, number | null]>) =>
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* sql.execute(
          "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-1', 'A', 'B', 'a@example.test', 'de', 0)"
        )
        for (const [orderId, version, cancelledAtMs, cancellationVersion] of orders) {
          yield* sql.execute(
            `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
               station_id, updated_at_ms, cancelled_at_ms, cancellation_version)
             VALUES (?, ?, 'C-1', 'alpenglow', 'standard', 'ups', 'HAM1', 'PACK-01', 0, ?, ?)`,
            [orderId, version, cancelledAtMs, cancellationVersion]
          )
        }
      })

    it("80: the voids before keep the version they stand for, so only a newer one exports the reinstatement", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 80 || migration.id >= 9001))
          // SO-1: cancelled at the hub at version 3, known at 4 since (a late station's word); SO-2: its parcel had
          // left, so the hub never counted it cancelled, and knows it at version 5.
          yield* ordersOfOneCustomer([
            ["SO-1", 4, 1, 3],
            ["SO-2", 5, null, null]
          ])
          // SO/3's id is escaped in its transaction: no order is found for it.
          yield* sql.execute(
            `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id)
             VALUES ('urn:packbench:order:SO-1', 'ev-1'), ('urn:packbench:order:SO-2', 'ev-2'),
               ('urn:packbench:order:SO%2F3', 'ev-3')`
          )
          const added = yield* migrate(hubMigrations)
          const voids = yield* sql.query<{ biz_transaction: string; order_version: number | null }>(
            "SELECT biz_transaction, order_version FROM hub_epcis_voided_transactions ORDER BY biz_transaction"
          )
          return {
            added,
            voids: voids.map((row) => [
              row.biz_transaction,
              row.order_version === null ? null : Number(row.order_version)
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [80, 81, 83, 84, 85, 87, 88, 89, 90, 92, 93, 94],
        voids: [
          ["urn:packbench:order:SO%2F3", null],
          ["urn:packbench:order:SO-1", 3],
          ["urn:packbench:order:SO-2", 5]
        ]
      })
    })

    it("81: cancelled orders have their own index; an order still checks its customer, and an outbox row its notification, by a foreign key on both stores", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 81 || migration.id >= 9001))
          const keys =
            sql.dialect === "sqlite"
              ? Effect.map(
                  sql.query<{ name: string; to: string }>(
                    `SELECT 'hub_orders' AS name, "table" AS "to" FROM pragma_foreign_key_list('hub_orders')
                   UNION ALL SELECT 'hub_outbox', "table" FROM pragma_foreign_key_list('hub_outbox')`
                  ),
                  (rows) => rows.map((row) => `${row.name} -> ${row.to}`).sort()
                )
              : Effect.map(
                  sql.query<{ name: string; to: string }>(
                    `SELECT c.conrelid::regclass::text AS name, c.confrelid::regclass::text AS "to" FROM pg_constraint c
                   WHERE c.contype = 'f' AND c.conrelid IN ('hub_orders'::regclass, 'hub_outbox'::regclass)`
                  ),
                  (rows) => rows.map((row) => `${row.name} -> ${row.to}`).sort()
                )
          const before = yield* keys
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 81 || migration.id >= 9001))
          const cancelledIndex = yield* sql.query<{ name: string }>(
            sql.dialect === "sqlite"
              ? "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'hub_orders_cancelled'"
              : "SELECT indexname AS name FROM pg_indexes WHERE indexname = 'hub_orders_cancelled'"
          )
          return { before, added, after: yield* keys, cancelledIndex: cancelledIndex.length }
        })
      )
      const both = ["hub_orders -> hub_customers", "hub_outbox -> hub_notifications"]
      expect(result).toEqual({
        before: both,
        added: [81],
        after: both,
        cancelledIndex: 1
      })
    })

    it("83: the voids before 80 of an order whose id the transaction escapes keep the version they stand for", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 80 || migration.id >= 9001))
          // SO/3: cancelled at the hub at version 3, known at 4 since; "Bestellung Ä 7": its parcel had left, so the
          // hub never counted it cancelled, and knows it at version 5; SO-9: as 80 found it.
          yield* ordersOfOneCustomer([
            ["SO/3", 4, 1, 3],
            ["Bestellung Ä 7", 5, null, null],
            ["SO-9", 2, null, null]
          ])
          // Each order's transaction as `orderTransaction` names it; an escape no id gives, and an order the hub
          // forgot, find none.
          const voids = ["SO/3", "Bestellung Ä 7", "SO-9"].map(
            (orderId) => orderTransaction(orderId)[0]!.bizTransaction
          )
          yield* sql.execute(
            `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id)
             VALUES (?, 'ev-1'), (?, 'ev-2'), (?, 'ev-3'), ('urn:packbench:order:SO%ZZ%', 'ev-5'),
               ('urn:packbench:order:SO%2F4', 'ev-6'), ('urn:packbench:order:SO%2f3', 'ev-7')`,
            voids
          )
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 83))
          const rows = yield* sql.query<{
            biz_transaction: string
            order_version: number | null
            reinstated_version: number | null
          }>(
            "SELECT biz_transaction, order_version, reinstated_version FROM hub_epcis_voided_transactions ORDER BY event_id"
          )
          return {
            added,
            voids: rows.map((row) => [
              row.biz_transaction,
              row.order_version === null ? null : Number(row.order_version),
              row.reinstated_version
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [80, 81, 83],
        voids: [
          ["urn:packbench:order:SO%2F3", 3, null],
          ["urn:packbench:order:Bestellung%20%C3%84%207", 5, null],
          ["urn:packbench:order:SO-9", 2, null],
          ["urn:packbench:order:SO%ZZ%", null, null],
          ["urn:packbench:order:SO%2F4", null, null],
          // A lower-case escape is the same id (RFC 3986 §2.1): encodeURIComponent writes upper case only.
          ["urn:packbench:order:SO%2f3", 3, null]
        ]
      })
    })

    it("83: a void the export took back before keeps the newest version the hub knows, so a late cancellation voids none", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 83 || migration.id >= 9001))
          // SO-5 (shipped, the hub knows version 6) and "SO 6" were voided and taken back, their marks gone; SO-7 was
          // taken back and voided again, its mark in force; SO-8 was taken back, and is no order the hub knows.
          yield* ordersOfOneCustomer([
            ["SO-5", 6, null, null],
            ["SO 6", 4, null, 3],
            ["SO-7", 9, 1, 9]
          ])
          const document = (eventType: string, orderId: string, action = "ADD") =>
            JSON.stringify({
              type: "TransactionEvent",
              action,
              bizStep: action === "ADD" ? "other" : "void_shipping",
              ...(action === "ADD" ? { epcList: [] } : {}),
              bizTransactionList: orderTransaction(orderId),
              "packbench:eventType": eventType
            })
          const exported: ReadonlyArray<readonly [string, string]> = [
            ["ev-1", document("order.cancelled", "SO-5", "DELETE")],
            ["ev-2", document("order.received", "SO-5")],
            ["ev-3", document("shop.order-reinstated", "SO 6")],
            ["ev-4", document("order.reinstated", "SO-7")],
            ["ev-5", document("order.reinstated", "SO-8")]
          ]
          for (const [index, [eventId, text]] of exported.entries()) {
            yield* sql.execute(
              `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
                 document) VALUES (?, 'HAM1', 'PACK-01', 'E1', ?, 0, 0, ?)`,
              [eventId, index + 1, text]
            )
          }
          yield* sql.execute(
            `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id, order_version)
             VALUES ('urn:packbench:order:SO-7', 'ev-6', 9)`
          )
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 83))
          const rows = yield* sql.query<{
            biz_transaction: string
            event_id: string
            order_version: number | null
            reinstated_version: number | null
          }>(
            `SELECT biz_transaction, event_id, order_version, reinstated_version FROM hub_epcis_voided_transactions
             ORDER BY event_id`
          )
          return {
            added,
            marks: rows.map((row) => [
              row.biz_transaction,
              row.event_id,
              row.order_version === null ? null : Number(row.order_version),
              row.reinstated_version === null ? null : Number(row.reinstated_version)
            ])
          }
        })
      )
      expect(result).toEqual({
        added: [83],
        marks: [
          ["urn:packbench:order:SO-5", "ev-2", null, 6],
          ["urn:packbench:order:SO%206", "ev-3", null, 4],
          ["urn:packbench:order:SO-7", "ev-6", 9, null]
        ]
      })
    })

    it("87: a void 80 gave the version of another order, whose literal id is its escaped text, gets its own; the right ones keep theirs", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 80 || migration.id >= 9001))
          // SO/3 (its parcel left, known at 5) is named `urn:packbench:order:SO%2F3`, the literal id of another order
          // (cancelled at 2), which 80 looked up by that text; that order's own transaction escapes its `%`
          // (`SO%252F3`). SO-1 (cancelled at 3) and "SO 6" (its parcel left, known at 7, 83's) are right.
          yield* ordersOfOneCustomer([
            ["SO/3", 5, null, null],
            ["SO%2F3", 2, 1, 2],
            ["SO-1", 4, 1, 3],
            ["SO 6", 7, null, null]
          ])
          const voids = ["SO/3", "SO%2F3", "SO-1", "SO 6"].map(
            (orderId) => orderTransaction(orderId)[0]!.bizTransaction
          )
          yield* sql.execute(
            `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id)
             VALUES (?, 'ev-1'), (?, 'ev-2'), (?, 'ev-3'), (?, 'ev-4')`,
            voids
          )
          const before87 = yield* migrate(hubMigrations.filter((migration) => migration.id < 87))
          const versions = sql.query<{ biz_transaction: string; order_version: number | null }>(
            "SELECT biz_transaction, order_version FROM hub_epcis_voided_transactions ORDER BY event_id"
          )
          const as80Left = (yield* versions).map((row) => [row.biz_transaction, Number(row.order_version)])
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 87))
          const after = (yield* versions).map((row) => [row.biz_transaction, Number(row.order_version)])
          return { before87, as80Left, added, after }
        })
      )
      expect(result).toEqual({
        before87: [80, 81, 83, 84, 85],
        // 80 gave SO/3's void the other order's cancellation (2); 83 found the other order's void by its bytes.
        as80Left: [
          ["urn:packbench:order:SO%2F3", 2],
          ["urn:packbench:order:SO%252F3", 2],
          ["urn:packbench:order:SO-1", 3],
          ["urn:packbench:order:SO%206", 7]
        ],
        added: [87],
        after: [
          ["urn:packbench:order:SO%2F3", 5],
          ["urn:packbench:order:SO%252F3", 2],
          ["urn:packbench:order:SO-1", 3],
          ["urn:packbench:order:SO%206", 7]
        ]
      })
    })

    it("88: a shipped order whose void 80 kept no version, taken back by the shop before 83, exports the void and then its reinstatement", async () => {
      const T = 1_795_000_000_000
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 80 || migration.id >= 9001))
          // Three shipped orders cancelled at 2 (the hub never counted them cancelled), each id escaped in its void.
          yield* ordersOfOneCustomer([
            ["SO/5", 2, null, null],
            ["SO/6", 2, null, null],
            ["SO/7", 2, null, null]
          ])
          for (const [index, orderId] of ["SO/5", "SO/6", "SO/7"].entries()) {
            const eventId = `0190a000-0000-7000-8000-00000000000${index + 1}`
            const voided = {
              type: "TransactionEvent",
              eventID: `urn:uuid:${eventId}`,
              eventTime: new Date(T).toISOString(),
              eventTimeZoneOffset: "+01:00",
              recordTime: new Date(T).toISOString(),
              action: "DELETE",
              bizStep: "void_shipping",
              bizTransactionList: orderTransaction(orderId),
              readPoint: { id: "https://id.packbench.example/site/HAM1/station/PACK-01" },
              bizLocation: { id: "https://id.packbench.example/site/HAM1" },
              "packbench:eventType": "order.cancelled",
              "packbench:station": "PACK-01",
              "packbench:epoch": "E1",
              "packbench:seq": index + 1
            }
            yield* sql.execute(
              `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
                 document) VALUES (?, 'HAM1', 'PACK-01', 'E1', ?, ?, ?, ?)`,
              [eventId, index + 1, T, T, JSON.stringify(voided)]
            )
            yield* sql.execute("INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id) VALUES (?, ?)", [
              orderTransaction(orderId)[0]!.bizTransaction,
              eventId
            ])
          }
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 80 || migration.id >= 9001))
          // Between 80 and 83, at version 3: the shop connector's stream took SO/5's cancellation back (the void had
          // no version, the parcel had left: nothing was exported); it cancelled SO/6 again; a station told of SO/7's
          // version 3 alone, which shows nothing of its status.
          for (const [orderId, state] of [
            ["SO/5", "open"],
            ["SO/6", "cancelled"]
          ] as const) {
            yield* sql.execute(
              `INSERT INTO shop_orders (connector_id, shop_order_id, order_id, site_id, state, version, shop_updated_ms,
                 mapped, received_at_ms, updated_at_ms) VALUES ('shopify-eu', ?, ?, 'HAM1', ?, 3, 0, '{}', ?, ?)`,
              [orderId, orderId, state, T + 60_001, T + 60_001]
            )
          }
          yield* sql.execute("UPDATE hub_orders SET order_version = 3")
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 88))
          const marks = yield* voidMarks
          const page = yield* readEpcisPage({ fromMs: 0, toMs: T + 86_400_000 }, undefined, 100)
          return {
            added,
            marks,
            documents: page.documents.map((document) => JSON.parse(document) as Record<string, unknown>)
          }
        })
      )
      expect(result.added).toEqual([81, 83, 84, 85, 87, 88])
      expect(result.marks).toEqual([
        ["urn:packbench:order:SO%2F5", 3, 3],
        ["urn:packbench:order:SO%2F6", 3, null],
        ["urn:packbench:order:SO%2F7", 3, null]
      ])
      const ofSo5 = result.documents.filter(
        (document) =>
          (document.bizTransactionList as ReadonlyArray<{ bizTransaction: string }>)[0]!.bizTransaction ===
          "urn:packbench:order:SO%2F5"
      )
      expect(ofSo5.map((document) => document.action)).toEqual(["DELETE", "ADD"])
      expect(ofSo5[1]).toEqual({
        type: "TransactionEvent",
        eventID: expect.stringMatching(
          /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        ),
        eventTime: new Date(T + 60_001).toISOString(),
        eventTimeZoneOffset: "+00:00",
        recordTime: new Date(T + 60_001).toISOString(),
        action: "ADD",
        bizStep: "other",
        epcList: [],
        bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO%2F5" }],
        readPoint: { id: "https://id.packbench.example/shop/shopify-eu" },
        bizLocation: { id: "https://id.packbench.example/site/HAM1" },
        "packbench:eventType": "shop.order-reinstated",
        "packbench:connector": "shopify-eu",
        "packbench:orderVersion": 3
      })
      expect(result.documents).toHaveLength(4)
      const validate = epcisSchemaValidator()
      const document = { ...epcisDocumentHead(T), epcisBody: { eventList: result.documents } }
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true)
    })

    it("92: a reinstatement exported on 80's version of another order, while the hub counts the order cancelled at a version not before it, is declared an error and the void is in force again", async () => {
      const T = 1_795_000_000_000
      const places = { timeZone: "Europe/Berlin" }
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 85 || migration.id >= 9001))
          // SO/3 is named `urn:packbench:order:SO%2F3`, the literal id of another order cancelled at 2: 80 gave SO/3's
          // void, cancelled at 5 (the hub counts it cancelled), that version. SO/4's twin likewise; the shop took
          // SO/4's cancellation back at 6, and the hub with it.
          yield* ordersOfOneCustomer([
            ["SO/3", 5, 1, 5],
            ["SO%2F3", 2, 1, 2],
            ["SO/4", 6, null, 6],
            ["SO%2F4", 1, null, null]
          ])
          const station = stationEventStream("PACK-1")
          const late = stationEventStream("PACK-2")
          const version = (orderId: string, at: number) =>
            Effect.orDie(inboundVersion(`order ${orderId}`, at, T + 60_000))
          const received = (orderId: string, at: number) =>
            late(
              OrderReceived,
              {
                order: { ...sampleOrder(orderId, { email: "a@example.test", locale: "de" }), version: at },
                replacedVersion: 1
              },
              T + 10_000 + at
            )
          for (const [orderId, cancelledAt, as80Gave] of [
            ["SO/3", 5, 2],
            ["SO/4", 5, 1]
          ] as const) {
            const cancellation = {
              orderId,
              orderVersion: cancelledAt,
              previousStatus: "open",
              interruptedPacking: false
            }
            yield* recordEpcisEvent(station(OrderCancelled, cancellation, T), places, yield* version(orderId, as80Gave))
          }
          // A station's order.received of `orderId` at `at` took the void back (`hubTookBack`: the hub with it).
          const reinstate = (orderId: string, at: number, hubTookBack: boolean) =>
            Effect.flatMap(version(orderId, at), (reinstatedAt) =>
              recordReinstatement(
                orderId,
                reinstatedAt,
                hubTookBack,
                Effect.succeed({ by: "station" as const, event: received(orderId, at) }),
                places
              )
            )
          // Between 80 and 87: a late station's word of SO/3's version 3, not after its cancellation, took the void
          // back on 80's version; SO/4's version 6 rightly.
          yield* reinstate("SO/3", 3, false)
          yield* reinstate("SO/4", 6, true)
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 92 || migration.id >= 9001))
          const marks = yield* voidMarks
          const page = yield* readEpcisPage({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, undefined, 100)
          // After it the live rules hold: a version not after SO/3's cancellation takes nothing back, a newer one does.
          const stale = yield* reinstate("SO/3", 4, false)
          const newer = yield* reinstate("SO/3", 6, true)
          return {
            added: added.filter((id) => id > 89),
            marks,
            documents: page.documents.map((document) => JSON.parse(document) as Record<string, unknown>),
            stale,
            newer
          }
        })
      )
      expect(result.added).toEqual([90, 92])
      expect(result.marks).toEqual([
        ["urn:packbench:order:SO%2F3", 5, null],
        ["urn:packbench:order:SO%2F4", 1, 6]
      ])
      const of = (transaction: string) =>
        result.documents.filter(
          (document) =>
            (document.bizTransactionList as ReadonlyArray<{ bizTransaction: string }>)[0]!.bizTransaction ===
            transaction
        )
      const so3 = of("urn:packbench:order:SO%2F3")
      expect(so3.map((document) => [document.action, document.errorDeclaration === undefined])).toEqual([
        ["DELETE", true],
        ["ADD", true],
        ["ADD", false]
      ])
      // The declaration repeats the reinstatement as exported, with when it was declared and why.
      const { errorDeclaration, recordTime, ...declared } = so3[2]!
      const { recordTime: _, ...exported } = so3[1]!
      expect(declared).toEqual(exported)
      expect(errorDeclaration).toEqual({ declarationTime: recordTime, reason: "incorrect_data" })
      expect(Date.parse(recordTime as string)).toBeGreaterThan(Date.parse(exported.eventTime as string))
      expect(of("urn:packbench:order:SO%2F4").map((document) => document.action)).toEqual(["DELETE", "ADD"])
      expect({ stale: result.stale, newer: result.newer }).toEqual({ stale: false, newer: true })
      const validate = epcisSchemaValidator()
      const document = { ...epcisDocumentHead(T), epcisBody: { eventList: result.documents } }
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true)
    })

    it("94: a void 80 or 83 left in force at the version the hub took its cancellation back at is taken back there, its reinstatement exported; the voids that hold stay", async () => {
      const T = 1_795_000_000_000
      const places = { timeZone: "Europe/Berlin" }
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          // A hub whose export kept each void's mark, and no version, and took none back (hub migration 68's).
          yield* migrate(hubMigrations.filter((migration) => migration.id < 80 || migration.id >= 9001))
          // SO/3 (its id escaped in its void) and SO-4 were cancelled at 2 and the hub took the cancellation back at 3,
          // the newest version it knows; the export kept the void in force. SO-4 is a shop connector's, awaiting
          // payment (88 leaves it). SO/5 is shipped and cancelled at 2, which the hub never counts. SO-6 was taken back
          // at 3, then its parcel left and the shop cancelled it at 4. SO-7 was taken back at 3 and cancelled at 5.
          yield* ordersOfOneCustomer([
            ["SO/3", 3, null, 3],
            ["SO-4", 3, null, 3],
            ["SO/5", 2, null, null],
            ["SO-6", 4, null, 3],
            ["SO-7", 5, 1, 5]
          ])
          yield* sql.execute(
            `INSERT INTO shop_orders (connector_id, shop_order_id, order_id, site_id, state, version, shop_updated_ms,
               mapped, received_at_ms, updated_at_ms)
             VALUES ('shopify-eu', '1004', 'SO-4', 'HAM1', 'awaiting-payment', 3, 0, '{}', ?, ?)`,
            [T + 30_000, T + 30_000]
          )
          const station = stationEventStream("PACK-01")
          for (const orderId of ["SO/3", "SO-4", "SO/5", "SO-6", "SO-7"]) {
            const voided = station(
              OrderCancelled,
              { orderId, orderVersion: 2, previousStatus: "open", interruptedPacking: false },
              T
            )
            yield* sql.execute(
              `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
                 document) VALUES (?, 'HAM1', 'PACK-01', 'E1', ?, ?, ?, ?)`,
              [voided.id, voided.seq, T, T, JSON.stringify(toEpcisEvent(voided, places))]
            )
            yield* sql.execute("INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id) VALUES (?, ?)", [
              orderTransaction(orderId)[0]!.bizTransaction,
              voided.id
            ])
          }
          yield* migrate(hubMigrations.filter((migration) => migration.id <= 93 || migration.id >= 9001))
          const as83Left = yield* voidMarks
          const added = yield* migrate(hubMigrations)
          const marks = yield* voidMarks
          const page = yield* readEpcisPage({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, undefined, 100)
          // After it the live rules hold: a late word of the cancellation taken back voids nothing, a newer one voids.
          const cancel = (orderVersion: number) =>
            Effect.flatMap(Effect.orDie(inboundVersion("order SO/3", orderVersion, T + 60_000)), (cancelledAt) =>
              recordEpcisEvent(
                stationEventStream("PACK-02")(
                  OrderCancelled,
                  { orderId: "SO/3", orderVersion, previousStatus: "open", interruptedPacking: false },
                  T + 50_000 + orderVersion
                ),
                places,
                cancelledAt
              )
            )
          const late = yield* cancel(2)
          const newer = yield* cancel(4)
          return {
            as83Left,
            added,
            marks,
            documents: page.documents.map((document) => JSON.parse(document) as Record<string, unknown>),
            late,
            newer
          }
        })
      )
      expect(result.as83Left).toEqual([
        ["urn:packbench:order:SO%2F3", 3, null],
        ["urn:packbench:order:SO%2F5", 2, null],
        ["urn:packbench:order:SO-4", 3, null],
        ["urn:packbench:order:SO-6", 4, null],
        ["urn:packbench:order:SO-7", 5, null]
      ])
      expect(result.added).toEqual([94])
      expect(result.marks).toEqual([
        ["urn:packbench:order:SO%2F3", 3, 3],
        ["urn:packbench:order:SO%2F5", 2, null],
        ["urn:packbench:order:SO-4", 3, 3],
        ["urn:packbench:order:SO-6", 4, null],
        ["urn:packbench:order:SO-7", 5, null]
      ])
      const of = (transaction: string) =>
        result.documents.filter(
          (document) =>
            (document.bizTransactionList as ReadonlyArray<{ bizTransaction: string }>)[0]!.bizTransaction ===
            transaction
        )
      for (const transaction of ["SO%2F5", "SO-6", "SO-7"]) {
        expect(of(`urn:packbench:order:${transaction}`).map((document) => document.action)).toEqual(["DELETE"])
      }
      const so3 = of("urn:packbench:order:SO%2F3")
      expect(so3.map((document) => document.action)).toEqual(["DELETE", "ADD"])
      const so3Back = so3[1]
      // The hub's word of the shop taking the cancellation back, after the void; from no connector (none keeps SO/3).
      expect(so3Back).toEqual({
        type: "TransactionEvent",
        eventID: expect.stringMatching(
          /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        ),
        eventTime: so3Back!.recordTime,
        eventTimeZoneOffset: "+00:00",
        recordTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        action: "ADD",
        bizStep: "other",
        epcList: [],
        bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO%2F3" }],
        readPoint: { id: "https://id.packbench.example/shop" },
        bizLocation: { id: "https://id.packbench.example/site/HAM1" },
        "packbench:eventType": "shop.order-reinstated",
        "packbench:orderVersion": 3
      })
      expect(Date.parse(so3Back!.eventTime as string)).toBeGreaterThan(T)
      const so4 = of("urn:packbench:order:SO-4")
      expect(so4.map((document) => document.action)).toEqual(["DELETE", "ADD"])
      expect(so4[1]).toMatchObject({
        readPoint: { id: "https://id.packbench.example/shop/shopify-eu" },
        "packbench:eventType": "shop.order-reinstated",
        "packbench:connector": "shopify-eu",
        "packbench:orderVersion": 3
      })
      expect({ late: result.late, newer: result.newer }).toEqual({ late: false, newer: true })
      const validate = epcisSchemaValidator()
      const document = { ...epcisDocumentHead(T), epcisBody: { eventList: result.documents } }
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true)
    })

    it("93: refund decisions parked before keep the order they were taken up in (when parked, then event id); new ones are numbered after them as the hub receives them", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 93 || migration.id >= 9001))
          const parked = [
            ["ev-c", "SO-1", 10],
            ["ev-b", "SO-1", 10],
            ["ev-a", "SO-1", 20],
            ["ev-z", "SO-2", 5]
          ] as const
          for (const [eventId, orderId, atMs] of parked) {
            yield* sql.execute(
              "INSERT INTO hub_refund_parked (decided_event_id, order_id, event, parked_at_ms) VALUES (?, ?, '{}', ?)",
              [eventId, orderId, atMs]
            )
          }
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 93 || migration.id >= 9001))
          const rows = yield* sql.query<{ order_id: string; decided_event_id: string; received_seq: number }>(
            "SELECT order_id, decided_event_id, received_seq FROM hub_refund_parked ORDER BY order_id, received_seq"
          )
          return { added, rows: rows.map((row) => [row.order_id, row.decided_event_id, Number(row.received_seq)]) }
        })
      )
      expect(result).toEqual({
        added: [93],
        rows: [
          ["SO-1", "ev-b", 1],
          ["SO-1", "ev-c", 2],
          ["SO-1", "ev-a", 3],
          ["SO-2", "ev-z", 1]
        ]
      })
    })

    it("84: a parcel that left before keeps no word of what its leaving told; a new one keeps the correction and the cause", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 84 || migration.id >= 9001))
          yield* sql.execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, site_id, station_id,
               handed_at_ms, updated_at_ms) VALUES ('P-1', 'SO-1', 'ups', '1Z1', 't-1', 'HAM1', 'PACK-02', 20, 20)`
          )
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 84))
          yield* sql.execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, site_id, station_id,
               handed_at_ms, left_correction, left_cause, updated_at_ms)
             VALUES ('P-2', 'SO-1', 'ups', '1Z2', 't-2', 'HAM1', 'PACK-02', 30, 2, 'parcel-left', 30)`
          )
          return { added, rows: yield* leftParcels }
        })
      )
      expect(result).toEqual({
        added: [84],
        rows: [
          ["P-1", null, null],
          ["P-2", 2, "parcel-left"]
        ]
      })
    })

    it("85: a parcel that left before the hub kept what its leaving told is marked correction 0; the others keep theirs", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 85 || migration.id >= 9001))
          const parcel = (id: string, handedAtMs: number | null, leftCorrection: number | null, cause: string | null) =>
            sql.execute(
              `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, site_id,
                 station_id, handed_at_ms, left_correction, left_cause, updated_at_ms)
               VALUES (?, 'SO-1', 'ups', ?, ?, 'HAM1', 'PACK-02', ?, ?, ?, 10)`,
              [id, `1Z-${id}`, `t-${id}`, handedAtMs, leftCorrection, cause]
            )
          yield* parcel("P-1", 20, null, null)
          yield* parcel("P-2", 30, 2, "parcel-left")
          yield* parcel("P-3", 40, 2, null)
          yield* parcel("P-4", null, null, null)
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 85))
          return { added, rows: yield* leftParcels }
        })
      )
      expect(result).toEqual({
        added: [85],
        rows: [
          ["P-1", 0, null],
          ["P-2", 2, "parcel-left"],
          ["P-3", 2, null],
          ["P-4", null, null]
        ]
      })
    })

    it("89: the parcels' handover and delivery windows index only parcels handed over and delivered", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 89 || migration.id >= 9001))
          const insertParcel = (id: string, handedAtMs: number | null, deliveredAtMs: number | null) =>
            sql.execute(
              `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, packed_at_ms,
                 handed_at_ms, delivered_at_ms, updated_at_ms) VALUES (?, 'SO-1', 'ups', ?, ?, 10, ?, ?, 10)`,
              [id, `1Z-${id}`, `t-${id}`, handedAtMs, deliveredAtMs]
            )
          yield* insertParcel("P-1", 20, 30)
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 89 || migration.id >= 9001))
          yield* insertParcel("P-2", 40, null)
          yield* insertParcel("P-3", null, null)
          const definitions = yield* sql.query<{ name: string; definition: string }>(
            sql.dialect === "sqlite"
              ? `SELECT name, sql AS definition FROM sqlite_master
                 WHERE type = 'index' AND name IN ('hub_parcels_by_handover', 'hub_parcels_by_delivery') ORDER BY name`
              : `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
                 WHERE indexname IN ('hub_parcels_by_handover', 'hub_parcels_by_delivery') ORDER BY indexname`
          )
          const count = (where: string) =>
            Effect.map(sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM hub_parcels WHERE ${where}`), (rows) =>
              Number(rows[0]?.n)
            )
          return {
            added,
            partial: definitions.map(
              (row) => `${row.name}: ${/WHERE \(*(\w+) IS NOT NULL/i.exec(row.definition)?.[1]}`
            ),
            handed: yield* count("handed_at_ms >= 0 AND handed_at_ms < 100"),
            delivered: yield* count("delivered_at_ms >= 0 AND delivered_at_ms < 100")
          }
        })
      )
      expect(result).toEqual({
        added: [89],
        partial: ["hub_parcels_by_delivery: delivered_at_ms", "hub_parcels_by_handover: handed_at_ms"],
        handed: 2,
        delivered: 1
      })
    })

    it("90: a voided return's refund pushes are found by their whole group key, by an index of the refund pushes alone", async () => {
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations.filter((migration) => migration.id < 90 || migration.id >= 9001))
          const insertPush = (seq: number, kind: string, subject: string, groupKey: string, status: string) =>
            sql.execute(
              `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key,
                 payload, status, attempts, next_attempt_ms, created_at_ms, updated_at_ms)
               VALUES (?, 'shopify-main', ?, ?, ?, ?, 'SO-1', ?, '{}', ?, 0, 0, 0, 0)`,
              [`push-${seq}`, seq, kind, `key-${seq}`, subject, groupKey, status]
            )
          yield* insertPush(1, "refund", "I-1", "SO-1/HAM1/R-1", "done")
          const added = yield* migrate(hubMigrations.filter((migration) => migration.id <= 90 || migration.id >= 9001))
          yield* insertPush(2, "refund", "I-2", "SO-1/HAM1/R-1", "queued")
          yield* insertPush(3, "refund", "I-3", "SO-1/HAM1/R-1", "discarded")
          // Another return of the order, whose key starts with the voided one's, and a parcel of the same name.
          yield* insertPush(4, "refund", "I-4", "SO-1/HAM1/R-10", "queued")
          yield* insertPush(5, "fulfillment", "SO-1/HAM1/R-1", "SO-1/HAM1/R-1", "queued")
          const found = yield* sql.query<{ subject: string }>(RETURN_REFUND_PUSHES, ["SO-1/HAM1/R-1"])
          const plan =
            sql.dialect === "sqlite"
              ? Effect.map(
                  sql.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${RETURN_REFUND_PUSHES}`, ["SO-1/HAM1/R-1"]),
                  (rows) => rows.map((row) => row.detail).join("; ")
                )
              : // With sequential scans ruled out, as a table of years of pushes rules them out by its size.
                sql.transaction(
                  Effect.gen(function* () {
                    yield* sql.execute("SET LOCAL enable_seqscan = off")
                    const rows = yield* sql.query(`EXPLAIN (FORMAT JSON) ${RETURN_REFUND_PUSHES}`, ["SO-1/HAM1/R-1"])
                    return JSON.stringify(rows)
                  })
                )
          return {
            added,
            found: found.map((row) => row.subject).sort(),
            byIndex: (yield* plan).includes("shop_pushes_refunds_by_group")
          }
        })
      )
      expect(result).toEqual({ added: [90], found: ["I-1", "I-2"], byIndex: true })
    })
  })
