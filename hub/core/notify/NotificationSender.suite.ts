import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Exit, Fiber, Layer, Option, Schedule } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Order } from "../../../core/orders/Order.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql, type SqlValue } from "../../../core/store/Sql.ts"
import { makeDoorbell } from "../../../core/sync/Doorbell.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { openSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { countingTrackingTokensLayer } from "../../../fixtures/hub/countingTrackingTokens.ts"
import { envelopesAt, packedParcel } from "../../../fixtures/hub/HubRig.ts"
import { unusedWebhookSenderLayer } from "../../../fixtures/hub/unusedWebhookSender.ts"
import { pausedAfter, waitsOnRowLock } from "../../../fixtures/postgres/Interleaving.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { type HeldSyncs, heldSyncSql } from "../../../fixtures/sqlite/HeldSyncs.ts"
import { waitFor } from "../../../fixtures/waitFor.ts"
import { submitCorrection } from "../correction/AddressCorrections.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { Mailer, MailerError, type OutgoingMail } from "./Mailer.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"
import { NotificationSender, SENDER_PARTITION } from "./NotificationSender.ts"
import type { NotifySettings } from "./NotifySettings.ts"

const hour = 3_600_000
// Tuesday 24 November 2026, 10:00 in Berlin.
const start = Date.UTC(2026, 10, 24, 9, 0)

/** A mailer that records what it accepted and fails as scripted. */
const scriptedMailer = (script: Array<"ok" | "transient" | "permanent">) => {
  const accepted: Array<OutgoingMail> = []
  let calls = 0
  const layer = Layer.succeed(
    Mailer,
    Mailer.of({
      send: (mail) =>
        Effect.suspend(() => {
          calls++
          const step = script.shift() ?? "ok"
          if (step === "ok") {
            accepted.push(mail)
            return Effect.succeed({ response: "250 OK" })
          }
          return Effect.fail(
            new MailerError({ reason: "Rejected", permanent: step === "permanent", message: `scripted ${step}` })
          )
        })
    })
  )
  return { accepted, layer, calls: () => calls }
}

/** A mailer taking four mails at once, each answered by `send` (what the mails were is the caller's to record). */
const fourAtOnce = (send: (mail: OutgoingMail) => Effect.Effect<{ readonly response: string }, MailerError>) => ({
  layer: Layer.succeed(Mailer, Mailer.of({ concurrency: 4, send: (mail) => Effect.suspend(() => send(mail)) }))
})

/** A mailer of four at once that holds each mail until the test opens its recipient's gate. */
const heldMailer = () => {
  const gates = new Map<string, Deferred.Deferred<void>>()
  const started: Array<string> = []
  const gateOf = (to: string) => {
    let gate = gates.get(to)
    if (gate === undefined) {
      gate = Deferred.makeUnsafe<void>()
      gates.set(to, gate)
    }
    return gate
  }
  const mailer = fourAtOnce((mail) => {
    started.push(mail.to)
    return Deferred.await(gateOf(mail.to)).pipe(Effect.as({ response: "250 OK" }))
  })
  const open = (to: string) => Deferred.doneUnsafe(gateOf(to), Exit.void)
  return { mailer, started, gates, open }
}

const rig = (
  store: TestStore,
  mailer: { readonly layer: Layer.Layer<Mailer> },
  notify: Partial<NotifySettings> = {},
  /** What every transaction of the sender (its partition) that claimed or recorded something is counted in. */
  senderCommits?: { count: number },
  /** Where the text of every statement run (query, execute or write) is put, in order. */
  statements?: Array<string>
) => {
  const clock = StationClock.manual(start)
  const recorded = (sql: Sql["Service"]): Sql["Service"] =>
    statements === undefined
      ? sql
      : {
          ...sql,
          query: <Row>(text: string, params?: ReadonlyArray<SqlValue>) =>
            Effect.andThen(
              Effect.sync(() => statements.push(text)),
              sql.query<Row>(text, params)
            ),
          execute: (text, params) =>
            Effect.andThen(
              Effect.sync(() => statements.push(text)),
              sql.execute(text, params)
            ),
          write: (text, params) =>
            Effect.andThen(
              Effect.sync(() => statements.push(text)),
              sql.write(text, params)
            )
        }
  const counted = (sql: Sql["Service"]): Sql["Service"] =>
    senderCommits === undefined
      ? recorded(sql)
      : {
          ...recorded(sql),
          transaction: (effect, options) =>
            options?.partition?.includes(SENDER_PARTITION) === true
              ? Effect.tap(sql.transaction(effect, options), (result) =>
                  Effect.sync(() => {
                    // A claim that found nothing due commits nothing.
                    if (!Array.isArray(result) || result.length > 0) senderCommits.count++
                  })
                )
              : sql.transaction(effect, options)
        }
  const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        Layer.effect(Sql, Effect.map(Effect.service(Sql), counted)).pipe(Layer.provide(store.layer())),
        clock.layer,
        mailer.layer,
        unusedWebhookSenderLayer,
        countingTrackingTokensLayer,
        Layer.succeed(HubSettings, {
          ...HubSettings.defaults("https://track.test"),
          // These scenarios count the order confirmation among the mails; off is the default (NotificationRules.test).
          notify: { ...HubSettings.defaults("").notify, orderConfirmations: true, ...notify },
          maxAttempts: 3,
          retryBaseMs: 1_000
        })
      )
    )
  )
  const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof layer>>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        return yield* effect
      }).pipe(Effect.provide(layer))
    )
  return { clock, run }
}

const envelope = envelopesAt(start)

const orderReceived = envelope("order.received", {
  order: {
    orderId: "SO-1",
    version: 1,
    status: "open",
    brand: "alpenglow",
    customer: { customerId: "C-1", firstName: "Emma", lastName: "Stone", email: "emma@example.test", locale: "en" },
    shipTo: { name: "Emma Stone", street1: "1 High St", postalCode: "SW1A 1AA", city: "London", country: "GB" },
    serviceLevel: "standard",
    carrier: "dhl-paket",
    lines: [{ lineId: "1", sku: "X", quantity: 1, unitPrice: 1 }],
    payment: { method: "card", currency: "EUR", total: 1 },
    placedAt: "2026-11-24T08:00:00Z"
  },
  replacedVersion: null
})
/** The order confirmation's event for order n, its customer and address their own (emma{n}@example.test). */
const orderOf = (n: number) =>
  JSON.parse(
    JSON.stringify(orderReceived)
      .replaceAll("SO-1", `SO-${n}`)
      .replaceAll("C-1", `C-${n}`)
      .replaceAll("emma@", `emma${n}@`)
  ) as EventEnvelope

const handed = envelope("parcel.handed-to-carrier", {
  batchId: "H-1",
  parcelId: "P-1",
  orderId: "SO-1",
  carrier: "dhl-paket",
  trackingNumber: "00340434161234567890"
})

/**
 * `parcelHeld`: the station keeps the packed parcel back (absent from stations that let it ship); the cancellation
 * comes with version 2 of the order unless `orderVersion` says otherwise.
 */
const cancelled = (
  previousStatus: string,
  more: { readonly parcelHeld?: boolean; readonly orderVersion?: number } = {}
) =>
  envelope("order.cancelled", { orderId: "SO-1", orderVersion: 2, previousStatus, interruptedPacking: false, ...more })

/** The shop took the cancellation of SO-1 back with version `orderVersion` of the order. */
const reinstated = (orderVersion: number) =>
  envelope("order.reinstated", { orderId: "SO-1", orderVersion, status: "open" })

const cancellation = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ cancelled_at_ms: number | null; cancellation_version: number | null }>(
    "SELECT cancelled_at_ms, cancellation_version FROM hub_orders WHERE order_id = 'SO-1'"
  )
  return rows.map((row) => ({
    cancelledAtMs: row.cancelled_at_ms === null ? null : Number(row.cancelled_at_ms),
    version: row.cancellation_version === null ? null : Number(row.cancellation_version)
  }))
})

const packed = envelope(
  "parcel.packed",
  packedParcel({ orderId: "SO-1", parcelId: "P-1", trackingNumber: "00340434161234567890", stationId: "PACK-01" })
)

const addressHold = envelope("order.address-hold", {
  orderId: "SO-1",
  customerEmail: "emma@example.test",
  customerLocale: "en",
  carrier: "dhl-paket",
  problems: [{ field: "street1", code: "missing-house-number", message: "The house number is missing." }],
  request: "customer-correction"
})

const suppressed = Effect.gen(function* () {
  const sql = yield* Sql
  return yield* sql.query<{ kind: string; status: string; suppressed_reason: string | null }>(
    `SELECT n.kind, b.status, b.suppressed_reason FROM hub_outbox b JOIN hub_notifications n USING (notification_id)
     ORDER BY n.created_at_ms, n.kind`
  )
})

const outbox = Effect.gen(function* () {
  const sql = yield* Sql
  return yield* sql.query<{ kind: string; status: string; attempts: number; last_error: string | null }>(
    `SELECT n.kind, b.status, b.attempts, b.last_error FROM hub_outbox b JOIN hub_notifications n USING (notification_id)
     ORDER BY n.created_at_ms, n.kind`
  )
})

/**
 * The outbox's behaviour, the same on every store the hub runs on: NotificationSender.test.ts runs it on SQLite,
 * NotificationSender.integration.test.ts on PostgreSQL.
 */
export const notificationSenderSuite = (store: TestStore) =>
  describe(`notification outbox on ${store.dialect}`, () => {
    it("records one notification per (kind, subject) however often an event is applied", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer)
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          for (const event of [orderReceived, handed, orderReceived, handed]) yield* hub.applyStationEvent(event)
          yield* sender.sendDue
          yield* sender.sendDue
          return yield* outbox
        })
      )
      expect(result.map((row) => [row.kind, row.status])).toEqual([
        ["order-confirmed", "sent"],
        ["shipped", "sent"]
      ])
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual([
        "Your Alpenglow order SO-1",
        "Your order SO-1 is on its way"
      ])
      expect(new Set(mailer.accepted.map((mail) => mail.messageId)).size).toBe(2)
    })

    // Only PostgreSQL runs transactions side by side; SQLite runs every one alone.
    it.runIf(store.dialect === "postgres")(
      "claims and records mail while a consumer's batch holds its stations, and one sender waits for another",
      async () => {
        const mailer = scriptedMailer([])
        const { run } = rig(store, mailer)
        const result = await run(
          Effect.gen(function* () {
            const sql = yield* Sql
            const sender = yield* NotificationSender
            yield* (yield* HubProjection).applyStationEvent(orderReceived)
            /** An open transaction on `partition` (a consumer's batch, another hub's sender) until released. */
            const holdOpen = (partition: string) =>
              Effect.gen(function* () {
                const opened = yield* Deferred.make<void>()
                const release = yield* Deferred.make<void>()
                const fiber = yield* Effect.forkChild(
                  sql.transaction(Effect.andThen(Deferred.succeed(opened, undefined), Deferred.await(release)), {
                    partition: [partition]
                  })
                )
                yield* Deferred.await(opened)
                return Effect.andThen(Deferred.succeed(release, undefined), Fiber.join(fiber))
              })
            const endBatch = yield* holdOpen("station:HAM1/PACK-01")
            // With the database-wide lock the pass would wait for the batch's commit, which comes only after it.
            const beside = yield* sender.sendDue.pipe(Effect.timeoutOption("20 seconds"))
            yield* endBatch
            yield* (yield* HubProjection).applyStationEvent(handed)
            const endOtherSender = yield* holdOpen(SENDER_PARTITION)
            const waiting = yield* Effect.forkChild(sender.sendDue)
            // The other sender's transaction is open: this pass waits on its lock (seen in PostgreSQL's own view)
            // and has sent nothing.
            const waitingOnLock = sql
              .query<{ n: number }>(
                `SELECT COUNT(*) AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`
              )
              .pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0) > 0))
            const seenWaiting = yield* waitingOnLock.pipe(
              Effect.repeat({ until: (waiting) => waiting, schedule: Schedule.spaced("20 millis") }),
              Effect.timeoutOption("20 seconds")
            )
            const sentWhileWaiting = mailer.accepted.length
            yield* endOtherSender
            const after = yield* Fiber.join(waiting)
            return { beside, seenWaiting, sentWhileWaiting, after }
          })
        )
        expect(Option.map(result.beside, (report) => report.sent)).toEqual(Option.some(1))
        expect(result.seenWaiting).toEqual(Option.some(true))
        expect(result.sentWhileWaiting).toBe(1)
        expect(result.after.sent).toBe(1)
        expect(mailer.accepted.map((mail) => mail.subject)).toEqual([
          "Your Alpenglow order SO-1",
          "Your order SO-1 is on its way"
        ])
      }
    )

    // Only PostgreSQL runs the sender's transaction beside a consumer's batch; SQLite runs every one alone.
    it.runIf(store.dialect === "postgres")(
      "claims past an outbox row a consumer's batch holds, without waiting for it while it holds another order's: the claim and a batch cancelling two orders cannot deadlock",
      async () => {
        const mailer = scriptedMailer([])
        const { run, clock } = rig(store, mailer)
        const cancelledOrder = (n: number) =>
          envelope("order.cancelled", {
            orderId: `SO-${n}`,
            orderVersion: 2,
            previousStatus: "open",
            interruptedPacking: false
          })
        const result = await run(
          Effect.gen(function* () {
            const sql = yield* Sql
            const hub = yield* HubProjection
            const sender = yield* NotificationSender
            // SO-2's confirmation is due before SO-1's: a claim of both comes to SO-2's row first.
            yield* hub.applyStationEvent(orderOf(2))
            clock.advance(1_000)
            yield* hub.applyStationEvent(orderReceived)
            // A consumer's batch cancels SO-1, then SO-2; it stops after suppressing SO-1's confirmation, holding
            // that row, while the sender passes.
            const reached = yield* Deferred.make<void>()
            const release = yield* Deferred.make<void>()
            const batch = sql.transaction(
              Effect.gen(function* () {
                const projection = yield* HubProjection
                yield* projection.applyStationEvent(cancelledOrder(1))
                yield* projection.applyStationEvent(cancelledOrder(2))
              }),
              { partition: ["station:HAM1/PACK-01"] }
            )
            const paused = pausedAfter("UPDATE hub_outbox SET status = 'suppressed'", reached, release)
            const held = yield* Effect.forkChild(
              batch.pipe(Effect.provide(Layer.fresh(HubProjection.layer).pipe(Layer.provide(paused))))
            )
            yield* Deferred.await(reached).pipe(Effect.timeout("20 seconds"))
            const pass = yield* Effect.forkChild(sender.sendDue)
            const besideBatch = yield* Effect.raceFirst(
              Fiber.join(pass).pipe(Effect.as("ran through" as const)),
              waitsOnRowLock.pipe(Effect.map((waited) => (Option.isSome(waited) ? "waited" : "neither")))
            )
            yield* Deferred.succeed(release, undefined)
            const batchExit = yield* Effect.exit(Fiber.join(held))
            const first = yield* Effect.exit(Fiber.join(pass))
            const next = yield* sender.sendDue
            return { besideBatch, batchExit, first, next, rows: yield* suppressed }
          })
        )
        expect(result.besideBatch).toBe("ran through")
        expect(result.batchExit).toEqual(Exit.void)
        expect(Exit.map(result.first, (report) => report.sent)).toEqual(Exit.succeed(1))
        expect(result.next).toMatchObject({ sent: 0 })
        // SO-2's mail was claimed before the batch came to it; SO-1's, left while the batch held it, never goes.
        expect(mailer.accepted.map((mail) => mail.subject)).toEqual(["Your Alpenglow order SO-2"])
        expect(result.rows).toEqual([
          { kind: "order-confirmed", status: "sent", suppressed_reason: null },
          { kind: "order-confirmed", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" }
        ])
      }
    )

    // Only PostgreSQL runs the sender's transaction beside a consumer's batch; SQLite runs every one alone.
    it.runIf(store.dialect === "postgres")(
      "records the verdicts of two orders' mails while a consumer's batch holds one of them and then reads the other: neither deadlocks nor loses a verdict",
      async () => {
        const { mailer, started, open } = heldMailer()
        const { run, clock } = rig(store, mailer)
        const shipTo = { name: "Emma Stone", street1: "2 High St", postalCode: "SW1A 1AA", city: "London" }
        /** PACK-02, which has the order too, applied correction 1 of SO-n after all. */
        const applied = (n: number) => ({
          ...envelope("order.address-corrected", {
            orderId: `SO-${n}`,
            orderVersion: 1,
            shipTo: { ...shipTo, country: "GB" },
            releasedHold: true,
            labelReprintRequired: false,
            correction: 1
          }),
          stationId: "PACK-02"
        })
        const result = await run(
          Effect.gen(function* () {
            const sql = yield* Sql
            const hub = yield* HubProjection
            const sender = yield* NotificationSender
            // Order n held for its address, the customer's correction taken, and PACK-01 says its parcel had left:
            // the customer is told the correction is not used (address-correction-ignored), SO-2 before SO-1.
            for (const n of [2, 1]) {
              yield* hub.applyStationEvent(orderOf(n))
              yield* hub.applyStationEvent(
                envelope("order.address-hold", {
                  ...(addressHold.payload as object),
                  orderId: `SO-${n}`,
                  customerEmail: `emma${n}@example.test`
                })
              )
              // Its confirmation and the correction request went (the customer followed its link).
              yield* sql.execute(
                `UPDATE hub_outbox SET status = 'sent'
                 WHERE notification_id IN (SELECT notification_id FROM hub_notifications WHERE order_id = ?)`,
                [`SO-${n}`]
              )
              yield* sql.execute(
                `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms,
                   hold_round) VALUES (?, ?, 'n', ?, ?, 1)`,
                [`h-${n}`, `SO-${n}`, start, start + 1_000 * hour]
              )
              const now = (yield* (yield* StationClock).now).wallMs
              const taken = yield* submitCorrection(`h-${n}`, shipTo, now, HubSettings.defaults("").notify)
              expect(taken.type).toBe("taken")
              yield* hub.applyStationEvent(
                envelope("inbound.update-ignored", {
                  messageType: "order.hub-address-correction",
                  orderId: `SO-${n}`,
                  receivedVersion: 1,
                  storedVersion: 1,
                  reason: "the parcel left before the correction came",
                  cause: "handed-to-carrier"
                })
              )
              clock.advance(1_000)
            }
            const told = yield* sql.query<{ subject_id: string; status: string }>(
              `SELECT n.subject_id, b.status FROM hub_notifications n JOIN hub_outbox b USING (notification_id)
               WHERE n.kind = 'address-correction-ignored' ORDER BY b.next_attempt_ms`
            )
            expect(told).toEqual([
              { subject_id: "SO-2/correction-1", status: "pending" },
              { subject_id: "SO-1/correction-1", status: "pending" }
            ])
            // The sender claims both mails (SO-2's first) and hands them to the mailer, which holds them.
            const pass = yield* Effect.forkChild(sender.sendDue)
            yield* Effect.promise(() => waitFor("both mails at the mailer", () => started.length === 2, 10_000))
            // A consumer's batch of PACK-02's stream: it reads SO-1's mail (locking its outbox row) and stops there,
            // to read SO-2's next.
            const reached = yield* Deferred.make<void>()
            const release = yield* Deferred.make<void>()
            const batch = sql.transaction(
              Effect.gen(function* () {
                const projection = yield* HubProjection
                yield* projection.applyStationEvent(applied(1))
                yield* projection.applyStationEvent(applied(2))
              }),
              { partition: ["station:HAM1/PACK-02"] }
            )
            const paused = pausedAfter(
              "SELECT n.notification_id, n.parcel_id, o.status FROM hub_notifications n",
              reached,
              release
            )
            const held = yield* Effect.forkChild(
              batch.pipe(Effect.provide(Layer.fresh(HubProjection.layer).pipe(Layer.provide(paused))))
            )
            yield* Deferred.await(reached).pipe(Effect.timeout("20 seconds"))
            // The server accepts both: the sender records the verdicts, and waits for SO-1's row the batch holds.
            open("emma1@example.test")
            open("emma2@example.test")
            const waited = yield* waitsOnRowLock
            yield* Deferred.succeed(release, undefined)
            const batchExit = yield* Effect.exit(Fiber.join(held))
            const passExit = yield* Effect.exit(Fiber.join(pass))
            const rows = yield* sql.query<{ subject_id: string; status: string }>(
              `SELECT n.subject_id, b.status FROM hub_notifications n JOIN hub_outbox b USING (notification_id)
               WHERE n.kind = 'address-correction-ignored' ORDER BY n.subject_id`
            )
            return { waited, batchExit, passExit, rows }
          })
        )
        expect(result.waited).toEqual(Option.some(true))
        expect(result.batchExit).toEqual(Exit.void)
        expect(Exit.map(result.passExit, (report) => report.sent)).toEqual(Exit.succeed(2))
        expect(result.rows).toEqual([
          { subject_id: "SO-1/correction-1", status: "sent" },
          { subject_id: "SO-2/correction-1", status: "sent" }
        ])
      }
    )

    it("retries with backoff and ends in a visible dead letter", async () => {
      const mailer = scriptedMailer(["transient", "transient", "transient"])
      const { run, clock } = rig(store, mailer)
      const rows = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          yield* hub.applyStationEvent(orderReceived)
          expect((yield* sender.sendDue).retried).toBe(1)
          // Not due again before the backoff has passed.
          expect((yield* sender.sendDue).retried).toBe(0)
          clock.advance(1_000)
          expect((yield* sender.sendDue).retried).toBe(1)
          clock.advance(2_000)
          expect((yield* sender.sendDue).dead).toBe(1)
          return yield* outbox
        })
      )
      expect(rows).toEqual([{ kind: "order-confirmed", status: "dead", attempts: 3, last_error: "scripted transient" }])
    })

    it("dead-letters a permanent refusal at once", async () => {
      const mailer = scriptedMailer(["permanent"])
      const { run } = rig(store, mailer)
      const rows = await run(
        Effect.gen(function* () {
          yield* (yield* HubProjection).applyStationEvent(orderReceived)
          yield* (yield* NotificationSender).sendDue
          return yield* outbox
        })
      )
      expect(rows[0]?.status).toBe("dead")
      expect(mailer.calls()).toBe(1)
    })

    it("resends an attempt a crash interrupted, with the same Message-ID", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer)
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const sender = yield* NotificationSender
          yield* (yield* HubProjection).applyStationEvent(orderReceived)
          yield* sender.sendDue
          const first = mailer.accepted[0]!.messageId
          // As if the process died after the provider's 250 and before `sent` was written.
          yield* sql.execute("UPDATE hub_outbox SET status = 'sending'")
          expect(yield* sender.recoverInterrupted).toBe(1)
          yield* sender.sendDue
          const rows = yield* sql.query<{ interrupted_attempts: number; status: string }>(
            "SELECT interrupted_attempts, status FROM hub_outbox"
          )
          return { first, rows }
        })
      )
      expect(mailer.accepted.map((mail) => mail.messageId)).toEqual([result.first, result.first])
      expect(result.rows).toEqual([{ interrupted_attempts: 1, status: "sent" }])
    })

    it("claims a pass's mails with one statement and records their verdicts with one", async () => {
      const mailer = scriptedMailer([])
      const statements: Array<string> = []
      const { run } = rig(store, mailer, {}, undefined, statements)
      const report = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          for (const n of [1, 2, 3, 4]) yield* hub.applyStationEvent(orderOf(n))
          statements.length = 0
          return yield* (yield* NotificationSender).sendDue
        })
      )
      expect(report.sent).toBe(4)
      expect(mailer.accepted.map((mail) => mail.to).sort()).toEqual([1, 2, 3, 4].map((n) => `emma${n}@example.test`))
      // One statement moved the four to `sending` and one recorded them as sent, not one each.
      const outboxUpdates = statements.filter((text) => /UPDATE hub_outbox/.test(text))
      expect(outboxUpdates.map((text) => (/status = 'sent'|'sent' AS/.test(text) ? "verdict" : "claim"))).toEqual([
        "claim",
        "verdict"
      ])
    })

    it("resends every mail of a claimed batch whose verdicts a crash kept from being recorded, once each", async () => {
      const { mailer, started, open } = heldMailer()
      const messageIds: Array<string> = []
      const watched = {
        layer: Layer.effect(
          Mailer,
          Effect.map(Effect.service(Mailer), (held) =>
            Mailer.of({
              ...held,
              send: (mail) =>
                Effect.andThen(
                  Effect.sync(() => messageIds.push(mail.messageId)),
                  held.send(mail)
                )
            })
          )
        ).pipe(Layer.provide(mailer.layer))
      }
      const { run } = rig(store, watched)
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const sql = yield* Sql
          const rows = sql.query<{ status: string; attempts: number; interrupted_attempts: number }>(
            "SELECT status, attempts, interrupted_attempts FROM hub_outbox ORDER BY notification_id"
          )
          for (const n of [1, 2, 3]) yield* hub.applyStationEvent(orderOf(n))
          const doorbell = makeDoorbell()
          const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000 }))
          yield* Effect.promise(() => waitFor("three mails at the server", () => started.length === 3, 10_000))
          // As if the process died with the three at the server: their verdicts are never recorded.
          yield* Fiber.interrupt(fiber)
          const claimed = yield* rows
          // The hub started again: a new sender on the same database.
          const restarted = yield* Effect.provide(
            Effect.service(NotificationSender),
            Layer.fresh(NotificationSender.layer)
          )
          const recovered = yield* restarted.recoverInterrupted
          for (const n of [1, 2, 3]) open(`emma${n}@example.test`)
          const report = yield* restarted.sendDue
          return { claimed, recovered, report, after: yield* rows }
        })
      )
      expect(result.claimed).toEqual([1, 2, 3].map(() => ({ status: "sending", attempts: 1, interrupted_attempts: 0 })))
      expect(result.recovered).toBe(3)
      expect(result.report).toEqual({ sent: 3, retried: 0, dead: 0, deferred: 0, suppressed: 0 })
      expect(result.after).toEqual([1, 2, 3].map(() => ({ status: "sent", attempts: 2, interrupted_attempts: 1 })))
      // Each mail twice, with the same Message-ID both times: once before the crash, once after it.
      expect(messageIds).toHaveLength(6)
      expect(new Set(messageIds).size).toBe(3)
      expect(messageIds.slice(3).sort()).toEqual(messageIds.slice(0, 3).sort())
    })

    it("sends a notification recorded again after a power cut took its record with the same Message-ID", async () => {
      // Each run is a fresh database: the second is the hub after a power cut lost what the first recorded, and the
      // stations sent the same events again.
      const sendAll = async () => {
        const mailer = scriptedMailer([])
        await rig(store, mailer).run(
          Effect.gen(function* () {
            const hub = yield* HubProjection
            for (const event of [orderReceived, handed]) yield* hub.applyStationEvent(event)
            yield* (yield* NotificationSender).sendDue
          })
        )
        return mailer.accepted.map((mail) => [mail.subject, mail.messageId])
      }
      const first = await sendAll()
      const again = await sendAll()
      expect(again).toEqual(first)
      expect(first.map(([subject]) => subject)).toEqual(["Your Alpenglow order SO-1", "Your order SO-1 is on its way"])
      expect(new Set(first.map(([, messageId]) => messageId)).size).toBe(2)
      for (const [, messageId] of first) expect(messageId).toMatch(/^<n-[0-9a-f]{32}@notify\.packbench>$/)
    })

    it("defers mail in the customer's quiet hours and sends it in the morning", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      await run(
        Effect.gen(function* () {
          const sender = yield* NotificationSender
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30)) // 22:30 in London
          yield* (yield* HubProjection).applyStationEvent(orderReceived)
          expect((yield* sender.sendDue).deferred).toBe(1)
          expect(yield* sender.nextDueMs).toBe(Date.UTC(2026, 10, 25, 8, 0))
          clock.setWall(Date.UTC(2026, 10, 25, 8, 0))
          expect((yield* sender.sendDue).sent).toBe(1)
        })
      )
      expect(mailer.accepted).toHaveLength(1)
    })

    it("after an opt-out sends transactional mail only, keeping optional mail as suppressed with the reason", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer)
      const rows = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          yield* hub.applyStationEvent(orderReceived)
          yield* sender.sendDue
          yield* sql.execute("UPDATE hub_customers SET opted_out = 1")
          yield* hub.applyStationEvent(handed)
          yield* hub.applyCarrierEvent({
            eventId: "c-1",
            carrier: "dhl-paket",
            trackingNumber: "00340434161234567890",
            status: "delivered",
            occurredAtMs: start
          })
          const report = yield* sender.sendDue
          expect(report).toMatchObject({ sent: 1, suppressed: 1 })
          return yield* sql.query<{ kind: string; status: string; suppressed_reason: string | null }>(
            `SELECT n.kind, b.status, b.suppressed_reason FROM hub_outbox b JOIN hub_notifications n
             USING (notification_id) ORDER BY n.created_at_ms, n.kind`
          )
        })
      )
      expect(rows).toEqual([
        {
          kind: "delivered",
          status: "suppressed",
          suppressed_reason: "customer C-1 opted out of optional mail (delivered)"
        },
        { kind: "order-confirmed", status: "sent", suppressed_reason: null },
        { kind: "shipped", status: "sent", suppressed_reason: null }
      ])
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual([
        "Your Alpenglow order SO-1",
        "Your order SO-1 is on its way"
      ])
      // One unsubscribe URL per customer, the same in every mail, and in the body too.
      const urls = new Set(mailer.accepted.map((mail) => mail.unsubscribeUrl))
      expect(urls.size).toBe(1)
      const url = [...urls][0]!
      expect(url).toMatch(/^https:\/\/track\.test\/u\/token-\d+-abcdefghijklmnop$/)
      for (const mail of mailer.accepted) expect(mail.text).toContain(url)
    })

    it("mails each return once and one total per shop refund, however often the events come", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const returned = (returnId: string) =>
        envelope("return.received", {
          returnId,
          known: true,
          orderId: "SO-1",
          parcelId: "P-1",
          rmaId: null,
          ssccUrn: null,
          scanned: "P-1",
          notes: ""
        })
      const unknown = envelope("return.received", {
        returnId: "PACK-01-R000009",
        known: false,
        orderId: null,
        parcelId: null,
        rmaId: null,
        ssccUrn: null,
        scanned: "??",
        notes: "no order"
      })
      const refunded = (lineId: string, unit: number, amountCents: number, shopRefundId: string) =>
        envelope("return.refund-issued", {
          orderId: "SO-1",
          lineId,
          unit,
          itemRef: `SO-1/${lineId}/${unit}`,
          amountCents,
          currency: "EUR",
          shopRefundId
        })
      const first = returned("PACK-01-R000001")
      const unitA = refunded("1", 1, 1_290, "RF-1")
      const unitB = refunded("2", 1, 2_500, "RF-1")
      const later = refunded("1", 2, 1_290, "RF-2")
      const rows = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          for (const event of [orderReceived, first, first, returned("PACK-01-R000002"), unknown, unitA, unitA]) {
            yield* hub.applyStationEvent(event)
          }
          const early = yield* sender.sendDue
          // The refund waits for its sibling units; the second unit of RF-1 arrives meanwhile.
          expect(early.sent).toBe(3)
          yield* hub.applyStationEvent(unitB)
          yield* hub.applyStationEvent(later)
          clock.advance(HubSettings.defaults("").notify.refundSettleMs)
          expect((yield* sender.sendDue).sent).toBe(2)
          yield* hub.applyStationEvent(unitB)
          clock.advance(hour)
          expect((yield* sender.sendDue).sent).toBe(0)
          return yield* outbox
        })
      )
      expect(rows.map((row) => [row.kind, row.status])).toEqual([
        ["order-confirmed", "sent"],
        ["refund-issued", "sent"],
        ["refund-issued", "sent"],
        ["return-received", "sent"],
        ["return-received", "sent"]
      ])
      const refunds = mailer.accepted.filter((mail) => mail.subject === "Your refund for order SO-1")
      expect(refunds.map((mail) => /we have refunded (\S+)/.exec(mail.text)?.[1]).sort()).toEqual(["€12.90", "€37.90"])
      expect(refunds.find((mail) => mail.text.includes("€37.90"))?.text).toContain("Reference: RF-1")
      expect(mailer.accepted.filter((mail) => mail.subject.startsWith("We have received your return"))).toHaveLength(2)
    })

    it("asks for feedback once, a while after the delivered scan, never before", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const kinds = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(handed)
          clock.advance(20 * hour)
          expect(yield* hub.tick).toBe(0)
          const delivered = {
            eventId: "c-9",
            carrier: "dhl-paket",
            trackingNumber: "00340434161234567890",
            status: "delivered" as const,
            occurredAtMs: start + 20 * hour
          }
          expect(yield* hub.applyCarrierEvent(delivered)).toBe("added")
          expect(yield* hub.applyCarrierEvent(delivered)).toBe("duplicate")
          expect(yield* hub.tick).toBe(0)
          clock.advance(72 * hour)
          const sql = yield* Sql
          const timersDone = () =>
            Effect.map(
              sql.query<{ done: number | null }>("SELECT timers_done_at_ms AS done FROM hub_parcels"),
              (rows) => rows.map((row) => row.done !== null)
            )
          expect(yield* timersDone()).toEqual([false])
          expect(yield* hub.tick).toBe(1)
          clock.advance(72 * hour)
          expect(yield* hub.tick).toBe(0)
          // Its timers are over: the next ticks no longer read the parcel.
          expect(yield* timersDone()).toEqual([true])
          return (yield* outbox).map((row) => row.kind)
        })
      )
      expect(kinds).toEqual(["order-confirmed", "shipped", "delivered", "feedback-request"])
    })

    it("stops reading an expired parcel, and reads it again when a carrier scan puts it back in transit", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const states = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sql = yield* Sql
          const timersDone = Effect.map(
            sql.query<{ done: number | null }>("SELECT timers_done_at_ms AS done FROM hub_parcels"),
            (rows) => rows[0]?.done !== null
          )
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(handed)
          const scan = (eventId: string, status: "expired" | "in-transit", hours: number) =>
            hub.applyCarrierEvent({
              eventId,
              carrier: "dhl-paket",
              trackingNumber: "00340434161234567890",
              status,
              occurredAtMs: start + hours * hour
            })
          clock.advance(10 * hour)
          yield* scan("c-1", "expired", 10)
          yield* hub.tick
          const afterReturn = yield* timersDone
          clock.advance(10 * hour)
          yield* scan("c-2", "in-transit", 20)
          const afterTransit = yield* timersDone
          // Past its promised day and in transit again: the delay alert is due once more.
          clock.advance(4 * 24 * hour)
          const alerts = yield* hub.tick
          return { afterReturn, afterTransit, alerts }
        })
      )
      expect(states).toEqual({ afterReturn: true, afterTransit: false, alerts: 1 })
    })

    it("alerts once when the promised day passes without delivery", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const kinds = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(handed)
          clock.advance(4 * 24 * hour)
          expect(yield* hub.tick).toBe(1)
          expect(yield* hub.tick).toBe(0)
          return (yield* outbox).map((row) => row.kind)
        })
      )
      expect(kinds).toEqual(["order-confirmed", "shipped", "delay-alert"])
    })

    it("sends nothing for an order cancelled before packing: queued mail is suppressed with the reason", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const rows = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          // 22:30 in London: the confirmation and the address request wait for the morning.
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(addressHold)
          expect((yield* sender.sendDue).deferred).toBe(2)
          yield* hub.applyStationEvent(cancelled("address-hold"))
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          expect(yield* sender.sendDue).toMatchObject({ sent: 0, suppressed: 0 })
          // A notification the timers or a late event record for it later is held back by the sender.
          yield* hub.applyStationEvent(handed)
          expect(yield* sender.sendDue).toMatchObject({ sent: 0, suppressed: 1 })
          return yield* suppressed
        })
      )
      expect(rows).toEqual([
        { kind: "address-correction", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" },
        { kind: "order-confirmed", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" },
        { kind: "shipped", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" }
      ])
      expect(mailer.accepted).toEqual([])
    })

    it("does not ask for an address the station already took from the shop before the request went out", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer, { orderConfirmations: false })
      const rows = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(addressHold)
          expect((yield* sender.sendDue).deferred).toBe(1)
          const shipTo = {
            name: "Emma Stone",
            street1: "1 High Street",
            postalCode: "SW1A 1AA",
            city: "London",
            country: "GB"
          }
          yield* hub.applyStationEvent(
            envelope("order.address-corrected", {
              orderId: "SO-1",
              orderVersion: 2,
              shipTo,
              releasedHold: true,
              labelReprintRequired: false
            })
          )
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          expect(yield* sender.sendDue).toMatchObject({ sent: 0, suppressed: 1 })
          const order = yield* sql.query<{ ship_to: string; order_version: number; address_problems: string | null }>(
            "SELECT ship_to, order_version, address_problems FROM hub_orders"
          )
          expect(
            order.map((row) => [JSON.parse(row.ship_to).street1, Number(row.order_version), row.address_problems])
          ).toEqual([["1 High Street", 2, null]])
          return yield* suppressed
        })
      )
      expect(rows).toEqual([
        {
          kind: "address-correction",
          status: "suppressed",
          suppressed_reason: "the address of order SO-1 was corrected before the request went out"
        }
      ])
    })

    it("asks once more for a second hold, and drops the first hold's request that had not gone out yet", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer, { orderConfirmations: false })
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(addressHold)
          expect((yield* sender.sendDue).deferred).toBe(1)
          // The station holds the order again (its address was corrected at the shop and is still not deliverable).
          clock.setWall(Date.UTC(2026, 10, 24, 22, 40))
          yield* hub.applyStationEvent(
            envelope("order.address-hold", {
              orderId: "SO-1",
              customerEmail: "emma@example.test",
              customerLocale: "en",
              carrier: "dhl-paket",
              problems: [{ field: "city", code: "postal-code-city-mismatch", message: "Wrong city." }],
              request: "customer-correction"
            })
          )
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          expect(yield* sender.sendDue).toMatchObject({ sent: 1 })
          const tokens = yield* sql.query<{ hold_round: number }>("SELECT hold_round FROM hub_address_tokens")
          const notifications = yield* sql.query<{ subject_id: string }>(
            "SELECT subject_id FROM hub_notifications ORDER BY created_at_ms, subject_id"
          )
          return { rows: yield* suppressed, tokens, notifications }
        })
      )
      expect(result.rows).toEqual([
        {
          kind: "address-correction",
          status: "suppressed",
          suppressed_reason: "a newer address hold of order SO-1 asks again"
        },
        { kind: "address-correction", status: "sent", suppressed_reason: null }
      ])
      expect(result.notifications.map((row) => row.subject_id)).toEqual(["SO-1", "SO-1/hold-2"])
      expect(result.tokens.map((row) => Number(row.hold_round))).toEqual([2])
      expect(mailer.accepted).toHaveLength(1)
    })

    it("tells the customer of a cancellation only when cancellationNotice is on, and not when the parcel was packed", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer, { orderConfirmations: false, cancellationNotice: true })
      const rows = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(cancelled("open"))
          yield* hub.applyStationEvent(cancelled("open"))
          yield* sender.sendDue
          return yield* suppressed
        })
      )
      expect(rows).toEqual([{ kind: "order-cancelled", status: "sent", suppressed_reason: null }])
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual(["Your Alpenglow order SO-1 is cancelled"])

      const afterPacking = scriptedMailer([])
      const packed = rig(store, afterPacking, { cancellationNotice: true })
      const kinds = await packed.run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(cancelled("packed"))
          yield* hub.applyStationEvent(handed)
          yield* (yield* NotificationSender).sendDue
          return (yield* suppressed).map((row) => [row.kind, row.status])
        })
      )
      // The parcel is on its way whatever the shop says: the customer hears of it, and of no cancellation.
      expect(kinds).toEqual([
        ["order-confirmed", "sent"],
        ["shipped", "sent"]
      ])
    })

    it("stops the mail of an order cancelled after packing whose parcel the station held back and voided", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer, { cancellationNotice: true })
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          // 22:30 in London: the confirmation and the packed mail wait for the morning.
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(packed)
          expect((yield* sender.sendDue).deferred).toBe(2)
          yield* hub.applyStationEvent(cancelled("packed", { parcelHeld: true }))
          yield* hub.applyStationEvent(
            envelope("parcel.voided", {
              orderId: "SO-1",
              parcelId: "P-1",
              carrier: "dhl-paket",
              trackingNumber: "00340434161234567890",
              reason: "order cancelled"
            })
          )
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          yield* sender.sendDue
          clock.advance(7 * 24 * hour)
          return { rows: yield* suppressed, timed: yield* hub.tick }
        })
      )
      expect(result.rows).toEqual([
        { kind: "order-cancelled", status: "sent", suppressed_reason: null },
        { kind: "order-confirmed", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" },
        { kind: "packed", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" }
      ])
      expect(result.timed).toBe(0)
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual(["Your Alpenglow order SO-1 is cancelled"])
    })

    it("mails an order whose cancellation the shop took back as any order: what was suppressed stays so, its notice does not go", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer, { cancellationNotice: true })
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          // 22:30 in London: the confirmation and the cancellation notice wait for the morning.
          clock.setWall(Date.UTC(2026, 10, 24, 22, 30))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(cancelled("open"))
          const whileCancelled = yield* cancellation
          yield* hub.applyStationEvent(reinstated(3))
          // Another station of the site tells of the cancellation late: the shop has taken it back since.
          yield* hub.applyStationEvent(cancelled("open"))
          const takenBack = yield* cancellation
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          yield* hub.applyStationEvent(packed)
          yield* sender.sendDue
          return { whileCancelled, takenBack, rows: yield* suppressed }
        })
      )
      expect(result.whileCancelled).toEqual([{ cancelledAtMs: start, version: 2 }])
      expect(result.takenBack).toEqual([{ cancelledAtMs: null, version: 3 }])
      expect(result.rows).toEqual([
        {
          kind: "order-cancelled",
          status: "suppressed",
          suppressed_reason: "the cancellation of order SO-1 was taken back"
        },
        { kind: "order-confirmed", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" },
        { kind: "packed", status: "sent", suppressed_reason: null }
      ])
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual(["Your order SO-1 is packed"])
    })

    it("tells the customer of a cancellation after one the shop took back, and of each only once", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer, { orderConfirmations: false, cancellationNotice: true })
      const rows = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(cancelled("open"))
          yield* sender.sendDue
          yield* hub.applyStationEvent(reinstated(3))
          yield* hub.applyStationEvent(cancelled("open", { orderVersion: 4 }))
          // Another station of the site tells of both cancellations again, and a later word of the cancelled order.
          yield* hub.applyStationEvent(cancelled("open"))
          yield* hub.applyStationEvent(cancelled("open", { orderVersion: 4 }))
          yield* hub.applyStationEvent(cancelled("open", { orderVersion: 5 }))
          yield* sender.sendDue
          const sql = yield* Sql
          return yield* sql.query<{ subject_id: string; status: string }>(
            `SELECT n.subject_id, b.status FROM hub_notifications n JOIN hub_outbox b USING (notification_id)
             ORDER BY n.created_at_ms, n.subject_id`
          )
        })
      )
      expect(rows).toEqual([
        { subject_id: "SO-1", status: "sent" },
        { subject_id: "SO-1/cancelled-v4", status: "sent" }
      ])
      expect(mailer.accepted.map((mail) => mail.subject)).toEqual([
        "Your Alpenglow order SO-1 is cancelled",
        "Your Alpenglow order SO-1 is cancelled"
      ])
    })

    it("keeps an order cancelled again after it was taken back, whatever a late station says of older versions", async () => {
      const mailer = scriptedMailer([])
      const { run } = rig(store, mailer, { orderConfirmations: false })
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(cancelled("open"))
          yield* hub.applyStationEvent(reinstated(3))
          yield* hub.applyStationEvent(cancelled("open", { orderVersion: 4 }))
          // A station whose events come late: its reinstatement of version 3 is older than the cancellation.
          yield* hub.applyStationEvent(reinstated(3))
          yield* hub.applyStationEvent(cancelled("open"))
          const state = yield* cancellation
          yield* hub.applyStationEvent(handed)
          return { state, report: yield* sender.sendDue, rows: yield* suppressed }
        })
      )
      expect(result.state).toEqual([{ cancelledAtMs: start, version: 4 }])
      expect(result.report).toMatchObject({ sent: 0, suppressed: 1 })
      expect(result.rows).toEqual([
        { kind: "shipped", status: "suppressed", suppressed_reason: "order SO-1 was cancelled" }
      ])
      expect(mailer.accepted).toEqual([])
    })

    it("counts an order cancelled, and taken back, by the station's word, wherever the shop's own stream has got to", async () => {
      const { run } = rig(store, scriptedMailer([]), { orderConfirmations: false })
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const first = (orderReceived.payload as { readonly order: Order }).order
          const version = (orderVersion: number, status: Order["status"]): Order => ({
            ...first,
            version: orderVersion,
            status
          })
          const stationReceived = (order: Order) =>
            envelope("order.received", { order, replacedVersion: order.version - 1 })
          yield* hub.applyStationEvent(orderReceived)
          // The hub follows the shop's messages to the stations and takes version 2 before any station's events:
          // whether its parcel has left, and so whether its mail stops, only the station can say.
          yield* hub.applyShopOrder(version(2, "cancelled"), "HAM1", "PACK-01")
          const shopCancelled = yield* cancellation
          yield* hub.applyStationEvent(stationReceived(version(2, "cancelled")))
          yield* hub.applyStationEvent(cancelled("open"))
          const stationCancelled = yield* cancellation
          yield* hub.applyShopOrder(version(3, "open"), "HAM1", "PACK-01")
          yield* hub.applyStationEvent(stationReceived(version(3, "open")))
          yield* hub.applyStationEvent(reinstated(3))
          return { shopCancelled, stationCancelled, takenBack: yield* cancellation }
        })
      )
      expect(result).toEqual({
        shopCancelled: [{ cancelledAtMs: null, version: null }],
        stationCancelled: [{ cancelledAtMs: start, version: 2 }],
        takenBack: [{ cancelledAtMs: null, version: 3 }]
      })
    })

    it("voids a return the clerk cancelled: its queued mail is suppressed and the return rate does not count it", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer, { orderConfirmations: false })
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const received = envelope("return.received", {
            returnId: "PACK-01-R000001",
            known: true,
            orderId: "SO-1",
            parcelId: "P-1",
            rmaId: null,
            ssccUrn: null,
            scanned: "https://returns.alpenglow.example/r/SO-1",
            notes: ""
          })
          clock.setWall(Date.UTC(2026, 10, 24, 23, 0))
          for (const event of [orderReceived, handed, received]) yield* hub.applyStationEvent(event)
          yield* hub.applyStationEvent(
            envelope("return.cancelled", {
              returnId: "PACK-01-R000001",
              corrects: received.id,
              orderId: "SO-1",
              scanned: "https://returns.alpenglow.example/r/SO-1",
              itemCount: 0,
              reason: "opened by mistake"
            })
          )
          clock.setWall(Date.UTC(2026, 10, 25, 9, 0))
          yield* sender.sendDue
          return {
            rows: yield* suppressed,
            returns: yield* sql.query("SELECT return_id, voided_at_ms FROM hub_metrics_returns"),
            voided: yield* sql.query("SELECT site_id, return_id, station_id, corrects, reason FROM hub_voided_returns")
          }
        })
      )
      expect(result.rows).toEqual([
        {
          kind: "return-received",
          status: "suppressed",
          suppressed_reason: "return PACK-01-R000001 was cancelled at the returns desk: opened by mistake"
        },
        { kind: "shipped", status: "sent", suppressed_reason: null }
      ])
      expect(result.returns).toEqual([{ return_id: "PACK-01-R000001", voided_at_ms: start }])
      expect(result.voided).toEqual([
        {
          site_id: "HAM1",
          return_id: "PACK-01-R000001",
          station_id: "PACK-01",
          corrects: expect.stringMatching(/^ev-/),
          reason: "opened by mistake"
        }
      ])
    })

    it("keeps quiet hours where the parcel goes: a New York customer at 23:00 there waits for 08:00 New York time", async () => {
      const mailer = scriptedMailer([])
      const { run, clock } = rig(store, mailer)
      const toNewYork = envelope("order.received", {
        ...(orderReceived.payload as { order: object }),
        order: {
          ...(orderReceived.payload as { order: Record<string, unknown> }).order,
          shipTo: {
            name: "Emma Stone",
            street1: "350 5th Ave",
            postalCode: "10118",
            city: "New York",
            region: "NY",
            country: "US"
          }
        }
      })
      await run(
        Effect.gen(function* () {
          const sender = yield* NotificationSender
          // 04:00 UTC: 04:00 in London (quiet there too), 23:00 in New York.
          clock.setWall(Date.UTC(2026, 10, 25, 4, 0))
          yield* (yield* HubProjection).applyStationEvent(toNewYork)
          expect((yield* sender.sendDue).deferred).toBe(1)
          // Not at 08:00 London, which is 03:00 in New York.
          expect(yield* sender.nextDueMs).toBe(Date.UTC(2026, 10, 25, 13, 0))
          clock.setWall(Date.UTC(2026, 10, 25, 8, 0))
          expect((yield* sender.sendDue).sent).toBe(0)
          clock.setWall(Date.UTC(2026, 10, 25, 13, 0))
          expect((yield* sender.sendDue).sent).toBe(1)
        })
      )
      expect(mailer.accepted).toHaveLength(1)
    })

    it("while mails are in flight, records the verdicts that come together in one commit; a quiet sender at once", async () => {
      // Four orders' confirmations, each held by the mailer until the test lets it go.
      const { mailer, started, gates, open } = heldMailer()
      const scenario = (
        orders: ReadonlyArray<number>,
        busyWindowMs: number,
        letGo: (until: (what: string, to: string) => Effect.Effect<void>) => Effect.Effect<void>
      ) =>
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const sql = yield* Sql
          const until = (what: string, done: () => Effect.Effect<boolean, unknown>) =>
            Effect.gen(function* () {
              for (let attempt = 0; attempt < 1_000; attempt++) {
                if (yield* done()) return
                yield* Effect.sleep("10 millis")
              }
              return yield* Effect.die(`the sender never reached ${what}`)
            }).pipe(Effect.orDie)
          const sentTo = (to: string) =>
            sql
              .query<{ n: number }>(
                `SELECT COUNT(*) AS n FROM hub_outbox b JOIN hub_notifications n USING (notification_id)
                 JOIN hub_orders o ON o.order_id = n.order_id JOIN hub_customers c ON c.customer_id = o.customer_id
                 WHERE b.status = 'sent' AND c.email = ?`,
                [to]
              )
              .pipe(Effect.map((rows) => Number(rows[0]?.n) === 1))
          // The orders are all recorded before the sender starts, so its first claim takes them together.
          for (const n of orders) yield* hub.applyStationEvent(orderOf(n))
          const doorbell = makeDoorbell()
          const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000, busyWindowMs }))
          yield* until("every mail handed to the mailer", () => Effect.succeed(started.length === orders.length))
          yield* letGo((what, to) => until(what, () => sentTo(to)))
          for (const n of orders)
            yield* until(`the mail to emma${n}@ recorded as sent`, () => sentTo(`emma${n}@example.test`))
          yield* Fiber.interrupt(fiber)
        })

      /** The sender's commits (claims and verdicts) while the mails of `orders` go out as `letGo` lets them. */
      const commitsOf = async (
        orders: ReadonlyArray<number>,
        busyWindowMs: number,
        letGo: Parameters<typeof scenario>[2]
      ) => {
        started.length = 0
        gates.clear()
        const commits = { count: 0 }
        await rig(store, mailer, {}, commits).run(scenario(orders, busyWindowMs, letGo))
        return commits.count
      }

      // Busy (a window far longer than the test needs): the first verdict waits for the three still in flight.
      const busy = await commitsOf([1, 2, 3, 4], 3_000, () =>
        Effect.gen(function* () {
          open("emma1@example.test")
          // Long enough for the first verdict to be recorded alone, were it not held for the others.
          yield* Effect.sleep("200 millis")
          for (const n of [2, 3, 4]) open(`emma${n}@example.test`)
        })
      )
      // One commit claimed the four, one recorded their verdicts.
      expect(busy).toBe(2)

      // No window: the first verdict is recorded on its own, before the others are let go.
      const eager = await commitsOf([1, 2, 3, 4], 0, (until) =>
        Effect.gen(function* () {
          open("emma1@example.test")
          yield* until("the first verdict recorded alone", "emma1@example.test")
          for (const n of [2, 3, 4]) open(`emma${n}@example.test`)
        })
      )
      expect(eager).toBeGreaterThanOrEqual(3)

      // Quiet: with nothing else in flight a verdict is not held, however long the window (an hour here).
      const quiet = await commitsOf([1], 3_600_000, (until) =>
        Effect.gen(function* () {
          open("emma1@example.test")
          yield* until("the only verdict recorded without waiting", "emma1@example.test")
        })
      )
      expect(quiet).toBe(2)
    })

    /**
     * Orders recorded `afterMs` apart on the monotonic clock (the first before the sender starts), each mail held at
     * the server; with a busy window of an hour, each must reach the mailer without waiting for it.
     */
    const claimedEachAtOnce = async (orders: ReadonlyArray<{ readonly n: number; readonly afterMs: number }>) => {
      const { mailer, started, gates } = heldMailer()
      const { run, clock } = rig(store, mailer)
      await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const untilStarted = (count: number) =>
            Effect.promise(() => waitFor(`${count} mails at the mailer`, () => started.length >= count, 10_000))
          const [first, ...rest] = orders
          if (first !== undefined) yield* hub.applyStationEvent(orderOf(first.n))
          const doorbell = makeDoorbell()
          // A window of an hour: a claim that waited for it would not reach the mailer in this test.
          const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000, busyWindowMs: 3_600_000 }))
          yield* untilStarted(1)
          for (const [index, { n, afterMs }] of rest.entries()) {
            clock.advance(afterMs)
            yield* hub.applyStationEvent(orderOf(n))
            doorbell.ring()
            yield* untilStarted(index + 2)
          }
          expect(started).toEqual(orders.map(({ n }) => `emma${n}@example.test`))
          for (const gate of gates.values()) Deferred.doneUnsafe(gate, Exit.void)
          yield* Fiber.interrupt(fiber)
        })
      )
    }

    it("claims a mail after a quiet spell at once, though another is still at the server (no busy window for it)", async () => {
      // Two hours later, the first mail still at the server, the next order comes.
      await claimedEachAtOnce([
        { n: 1, afterMs: 0 },
        { n: 2, afterMs: 7_200_000 }
      ])
    })

    it("claims a mail that met another by chance in a slow stream at once, though others are still at the server", async () => {
      // An order every two hours, then one right behind the last, by chance: nothing says more are coming within the
      // window.
      await claimedEachAtOnce([
        { n: 1, afterMs: 0 },
        { n: 2, afterMs: 7_200_000 },
        { n: 3, afterMs: 7_200_000 },
        { n: 4, afterMs: 0 }
      ])
    })

    it("records a verdict at once in a slow stream, though another mail is still at the server (no busy window for it)", async () => {
      // An order every two hours: nothing says another verdict is coming within the window, so the first mail's is
      // recorded at once, while the second mail is still at the server; held for the window (an hour here), it
      // would not be recorded in this test.
      const { mailer, started, open } = heldMailer()
      const { run, clock } = rig(store, mailer)
      const statuses = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const sql = yield* Sql
          const sent = sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent'")
          const untilStarted = (count: number) =>
            Effect.promise(() => waitFor(`${count} mails at the mailer`, () => started.length >= count, 10_000))
          yield* hub.applyStationEvent(orderOf(1))
          const doorbell = makeDoorbell()
          const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000, busyWindowMs: 3_600_000 }))
          yield* untilStarted(1)
          clock.advance(7_200_000)
          yield* hub.applyStationEvent(orderOf(2))
          doorbell.ring()
          yield* untilStarted(2)
          open("emma1@example.test")
          // Ten seconds at most: the window is an hour.
          for (let attempt = 0; attempt < 1_000 && Number((yield* sent)[0]?.n) < 1; attempt++) {
            yield* Effect.sleep("10 millis")
          }
          const rows = yield* sql.query<{ status: string }>(
            `SELECT b.status FROM hub_outbox b JOIN hub_notifications n USING (notification_id) ORDER BY n.order_id`
          )
          open("emma2@example.test")
          yield* Fiber.interrupt(fiber)
          return rows.map((row) => row.status)
        })
      )
      expect(statuses).toEqual(["sent", "sending"])
    })

    /**
     * The store, with the rows each read of due rows (the sender's claims) returned put in `reads`.
     */
    const dueReadsOf = (reads: Array<number>) => ({
      ...store,
      layer: () =>
        Layer.effect(
          Sql,
          Effect.map(Effect.service(Sql), (sql): Sql["Service"] => ({
            ...sql,
            query: <Row>(text: string, params?: ReadonlyArray<SqlValue>) =>
              Effect.tap(sql.query<Row>(text, params), (rows) =>
                Effect.sync(() => {
                  if (text.includes("WHERE b.status = 'pending' AND b.next_attempt_ms <= ?")) reads.push(rows.length)
                })
              )
          }))
        ).pipe(Layer.provide(store.layer()))
    })
    /**
     * A running sender on `testStore` whose mails the held mailer (four at once) keeps until the test opens them:
     * `untilStarted` waits for that many at the mailer, `untilSent` for that many of the outbox's rows recorded sent.
     */
    const heldSender = (testStore: TestStore) => {
      const held = heldMailer()
      const { run, clock } = rig(testStore, held.mailer)
      const untilStarted = (count: number) =>
        Effect.promise(() => waitFor(`${count} mails at the mailer`, () => held.started.length >= count, 10_000))
      const untilSent = (count: number) =>
        Effect.gen(function* () {
          const sql = yield* Sql
          const sent = sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent'")
          while (Number((yield* sent)[0]?.n) < count) yield* Effect.sleep("5 millis")
        })
      const start = Effect.gen(function* () {
        const doorbell = makeDoorbell()
        const sender = yield* NotificationSender
        const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000 }))
        return { doorbell, fiber }
      })
      return { ...held, run, clock, untilStarted, untilSent, start }
    }

    it("reads only the due rows it can take while other orders' mails are in flight", async () => {
      const reads: Array<number> = []
      const { run, started, open, untilStarted, untilSent, start } = heldSender(dueReadsOf(reads))
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          for (const n of [1, 2, 3]) yield* hub.applyStationEvent(orderOf(n))
          const { doorbell, fiber } = yield* start
          // Three of the mailer's four slots taken, their orders in flight.
          yield* untilStarted(3)
          reads.length = 0
          for (const n of [4, 5, 6, 7, 8, 9]) yield* hub.applyStationEvent(orderOf(n))
          doorbell.ring()
          yield* untilStarted(4)
          // One slot free: one row is read and taken, not one and as many more as there are orders in flight.
          const readForOneSlot = [...reads]
          for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) open(`emma${n}@example.test`)
          yield* untilSent(9)
          yield* Fiber.interrupt(fiber)
          return readForOneSlot
        })
      )
      expect(result).toEqual([1])
      expect([...started].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `emma${n}@example.test`).sort())
    })

    it("claims a later order's mail though a due row of an order in flight comes first", async () => {
      const { run, clock, started, open, untilStarted, untilSent, start } = heldSender(store)
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          yield* hub.applyStationEvent(orderOf(1))
          const { doorbell, fiber } = yield* start
          yield* untilStarted(1)
          // SO-1's "on its way" is due first (a millisecond apart, so that no store orders them by chance), while
          // its confirmation is still at the server; three slots are free for SO-2, SO-3 and SO-4.
          clock.advance(1)
          yield* hub.applyStationEvent(handed)
          for (const n of [2, 3, 4]) {
            clock.advance(1)
            yield* hub.applyStationEvent(orderOf(n))
          }
          doorbell.ring()
          yield* untilStarted(4)
          const whileFirstHeld = [...started]
          open("emma1@example.test")
          yield* untilStarted(5)
          for (const n of [1, 2, 3, 4]) open(`emma${n}@example.test`)
          yield* untilSent(5)
          yield* Fiber.interrupt(fiber)
          return { whileFirstHeld, all: [...started] }
        })
      )
      expect(result.whileFirstHeld).toEqual([1, 2, 3, 4].map((n) => `emma${n}@example.test`))
      // SO-1's second mail only once its first was answered.
      expect(result.all.at(-1)).toBe("emma1@example.test")
    })

    it("sends continuously as notifications are committed: one order's mails in order, each once, a retry after its backoff", async () => {
      // Four sends at once; the first attempt at SO-2's confirmation fails transiently.
      const accepted: Array<OutgoingMail> = []
      let calls = 0
      let failed = false
      const mailer = fourAtOnce((mail) => {
        calls++
        if (!failed && mail.subject === "Your Alpenglow order SO-2") {
          failed = true
          return Effect.fail(new MailerError({ reason: "Unavailable", permanent: false, message: "lost" }))
        }
        accepted.push(mail)
        return Effect.succeed({ response: "250 OK" })
      })
      const { run, clock } = rig(store, mailer)
      const secondOrder = JSON.parse(
        JSON.stringify(orderReceived).replaceAll("SO-1", "SO-2").replaceAll("C-1", "C-2").replaceAll("emma@", "otto@")
      ) as EventEnvelope
      const result = await run(
        Effect.gen(function* () {
          const hub = yield* HubProjection
          const sender = yield* NotificationSender
          const sql = yield* Sql
          const rows = sql.query<{ order_id: string; kind: string; status: string; attempts: number }>(
            `SELECT n.order_id, n.kind, b.status, b.attempts FROM hub_outbox b JOIN hub_notifications n
             USING (notification_id) ORDER BY n.order_id, n.kind`
          )
          const until = (what: string, done: (rows: ReadonlyArray<{ status: string; attempts: number }>) => boolean) =>
            Effect.gen(function* () {
              for (let attempt = 0; attempt < 1_000; attempt++) {
                const now = yield* rows
                if (done(now)) return now
                yield* Effect.sleep("10 millis")
              }
              return yield* Effect.die(`the sender never reached ${what}: ${JSON.stringify(yield* rows)}`)
            })
          // Woken by the test, as the hub wakes it from the apply's commit; its poll (an hour) never comes.
          const doorbell = makeDoorbell()
          const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000 }))
          yield* hub.applyStationEvent(orderReceived)
          yield* hub.applyStationEvent(handed)
          yield* hub.applyStationEvent(secondOrder)
          doorbell.ring()
          const waiting = yield* until("SO-1 sent and SO-2 waiting for its retry", (now) =>
            now.every((row) => row.status === "sent" || (row.status === "pending" && row.attempts === 1))
          )
          clock.advance(1_000)
          doorbell.ring()
          const done = yield* until("everything sent", (now) => now.every((row) => row.status === "sent"))
          yield* Fiber.interrupt(fiber)
          return { waiting, done }
        })
      )
      expect(result.waiting).toEqual([
        { order_id: "SO-1", kind: "order-confirmed", status: "sent", attempts: 1 },
        { order_id: "SO-1", kind: "shipped", status: "sent", attempts: 1 },
        { order_id: "SO-2", kind: "order-confirmed", status: "pending", attempts: 1 }
      ])
      expect(result.done.map((row) => [row.order_id, row.kind, row.status, row.attempts])).toEqual([
        ["SO-1", "order-confirmed", "sent", 1],
        ["SO-1", "shipped", "sent", 1],
        ["SO-2", "order-confirmed", "sent", 2]
      ])
      expect(calls).toBe(4)
      // Emma's mails in the order they were recorded, though four could go at once; each mail once.
      expect(accepted.filter((mail) => mail.to === "emma@example.test").map((mail) => mail.subject)).toEqual([
        "Your Alpenglow order SO-1",
        "Your order SO-1 is on its way"
      ])
      expect(accepted.map((mail) => mail.subject).sort()).toEqual([
        "Your Alpenglow order SO-1",
        "Your Alpenglow order SO-2",
        "Your order SO-1 is on its way"
      ])
      expect(new Set(accepted.map((mail) => mail.messageId)).size).toBe(3)
    })

    it.runIf(store.dialect === "sqlite")(
      "claims and hands over a mail while the commit that recorded it is still being synced",
      async () => {
        // SQLite with its log synced by the store (as `packbench hub` runs it), each sync held while the test says.
        let syncs: HeldSyncs | undefined
        const held = () => {
          if (syncs === undefined) throw new Error("the held store was not opened")
          return syncs
        }
        const heldStore: TestStore = {
          ...store,
          layer: () =>
            Layer.effect(
              Sql,
              Effect.gen(function* () {
                const db = yield* Effect.acquireRelease(
                  Effect.sync(() => openSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-held-")), "hub.db") })),
                  (db) => Effect.sync(() => db.close())
                )
                db.pragma("synchronous = NORMAL")
                const store = yield* heldSyncSql(db, { holding: false })
                syncs = store.syncs
                return store.sql
              })
            )
        }
        const mailer = scriptedMailer([])
        const { run } = rig(heldStore, mailer)
        const result = await run(
          Effect.gen(function* () {
            const hub = yield* HubProjection
            const sender = yield* NotificationSender
            const sql = yield* Sql
            // Read as the sender reads, ahead of the sync (a plain query would wait for it).
            const statuses = sql.transaction(
              sql.query<{ status: string }>("SELECT status FROM hub_outbox ORDER BY notification_id"),
              { readsAhead: true, durable: false }
            )
            const doorbell = makeDoorbell()
            const fiber = yield* Effect.forkChild(sender.run({ doorbell, pollMs: 3_600_000 }))
            held().holding = true
            // In one transaction, as the consumer applies it: one commit, one sync.
            const applying = yield* Effect.forkChild(sql.transaction(hub.applyStationEvent(orderReceived)))
            while (held().held.length === 0) yield* Effect.sleep("1 millis")
            doorbell.ring()
            while (mailer.calls() === 0) yield* Effect.sleep("1 millis")
            // Sent while the order's commit is still on its way to disk, and the apply still waits for it.
            const beforeSync = { calls: mailer.calls(), held: held().held.length, applying: applying.pollUnsafe() }
            held().holding = false
            yield* Deferred.succeed(held().held[0]!, undefined)
            yield* Fiber.join(applying)
            while ((yield* statuses)[0]?.status !== "sent") yield* Effect.sleep("1 millis")
            yield* Fiber.interrupt(fiber)
            return { beforeSync, subjects: mailer.accepted.map((mail) => mail.subject) }
          })
        )
        expect(result).toEqual({
          beforeSync: { calls: 1, held: 1, applying: undefined },
          subjects: ["Your Alpenglow order SO-1"]
        })
      }
    )
  })
