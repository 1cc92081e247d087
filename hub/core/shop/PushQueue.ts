/** The queue of fulfillments, refunds and address corrections the hub pushes to shops, with retries and backoff. */
import { Effect } from "effect"
import { Bounds } from "../../../core/bounds/Bounds.ts"
import { uuid7 } from "../../../core/events/Uuid7.ts"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import { makeRefundLedger } from "../refunds/RefundLedger.ts"
import type { RefundUnit } from "./RefundUnit.ts"
import { refundUnitsOnLinesNow } from "./refundUnitsOnLinesNow.ts"
import type {
  AddressPush,
  FulfillmentPush,
  RefundPush,
  RefundResult,
  ShopConnector,
  ShopError
} from "./ShopConnector.ts"
import { enqueueShopMessage, ShopStream, shopInboxTopic } from "./ShopMessages.ts"

export type PushKind = "fulfillment" | "refund" | "address"
export type PushStatus = "queued" | "sending" | "done" | "failed" | "discarded"
/**
 * Why a failed push waits for a manager: the shop said no (`refused`: a retry is a new request to the shop), or the hub
 * gave up on failures that waiting does not cure (`malformed`: answers it cannot read; `unauthorized`: credentials or
 * scopes the shop refuses), where the shop may have acted already, so a retry sends the same request under its key.
 */
export type FailedAs = "refused" | "malformed" | "unauthorized"

export interface PushRow {
  readonly push_id: string
  readonly connector_id: string
  readonly seq: number
  readonly kind: PushKind
  readonly idempotency_key: string
  readonly subject: string
  readonly order_id: string
  readonly group_key: string
  readonly batch_id: string | null
  readonly payload: string
  readonly status: PushStatus
  readonly attempts: number
  readonly retries: number
  readonly stuck_failures: number
  readonly failed_as: FailedAs | null
}

export interface PushQueueSettings {
  /** Refund units of one return that arrive within this time go to the shop as one refund. */
  readonly refundSettleMs: number
  /** First wait after the shop could not be reached; doubles per failure in a row up to `retryMaxMs`. */
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /**
   * Failures of one push that waiting does not cure (an answer the hub cannot read, credentials or scopes the shop
   * refuses) before it is handed to a manager instead of tried again; the catch-up says at the same count that it keeps
   * failing so. A broken answer that passes (a proxy's error page, a shop mid-upgrade) goes through at a later try.
   */
  readonly handOverAfterAttempts: number
}

/** Eight tries take about four minutes of backoff from 2 s (2 + 4 + … + 128 s), longer after an outage. */
export const defaultPushQueueSettings: PushQueueSettings = {
  refundSettleMs: 5_000,
  retryBaseMs: 2_000,
  retryMaxMs: 15 * 60_000,
  handOverAfterAttempts: 8
}

/** The failures waiting does not cure, and what a push handed over for one of them is failed as. */
export const stuckFailureOf = (error: ShopError): Exclude<FailedAs, "refused"> | undefined =>
  error.reason === "Malformed" ? "malformed" : error.reason === "Unauthorized" ? "unauthorized" : undefined

/**
 * The wait a connector says the shop asked for (Retry-After, a throttle), as the hub takes it: at most
 * `Bounds.maxRequestedWaitMs`, and none for what is no wait, so the hub's own backoff applies. The connectors bound
 * it already; one that passed on another figure is logged.
 */
export const requestedWaitMs = (connectorId: string, error: ShopError) =>
  Effect.gen(function* () {
    const asked = error.retryAfterMs
    if (asked === undefined) return 0
    if (asked >= 0 && asked <= Bounds.maxRequestedWaitMs) return asked
    const taken = asked > 0 ? Bounds.maxRequestedWaitMs : 0
    yield* Effect.logWarning(`shop ${connectorId}: the shop's wait of ${asked} ms is taken as ${taken} ms`)
    return taken
  })

export const pushBackoffMs = (failures: number, settings: PushQueueSettings) =>
  Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, Math.min(30, failures - 1)))

const pushColumns = `push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, batch_id, payload,
  status, attempts, retries, stuck_failures, failed_as`

/**
 * Records a push in the caller's transaction (the consumer's, so the station event and its push commit together),
 * numbered next for its connector. A second push with the same idempotency key is the same push and is dropped.
 */
export const enqueuePush = (
  sql: Sql["Service"],
  push: {
    readonly connectorId: string
    readonly kind: PushKind
    readonly idempotencyKey: string
    readonly subject: string
    readonly orderId: string
    readonly groupKey: string
    readonly payload: unknown
    readonly dueMs: number
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    const rows = yield* sql.query<{ last: number | null }>(
      "SELECT MAX(seq) AS last FROM shop_pushes WHERE connector_id = ?",
      [push.connectorId]
    )
    const inserted = yield* sql.execute(
      `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, payload,
         status, attempts, next_attempt_ms, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        yield* uuid7(nowMs),
        push.connectorId,
        Number(rows[0]?.last ?? 0) + 1,
        push.kind,
        push.idempotencyKey,
        push.subject,
        push.orderId,
        push.groupKey,
        JSON.stringify(push.payload),
        push.dueMs,
        nowMs,
        nowMs
      ]
    )
    return inserted.changes > 0
  })

/**
 * Takes the connector's next push, in order: the lowest number that is due and has no earlier push of the same
 * order still open (queued, sending, or failed and waiting for a manager), so one order's fulfillment and refunds
 * reach the shop in the order they happened while other orders go on. A refund takes the other refund units of
 * its return along as one shop refund (its batch); a batch interrupted by a crash is taken again exactly as it was,
 * so its idempotency key always stands for the same units. A unit on a line the shop's order no longer has (numbered
 * anew since it was queued) moves onto its item's line the order has now, recorded in the push
 * (`refundUnitsOnLinesNow.ts`). Marked `sending` and committed before the shop is called.
 */
export const claimNextPush = (sql: Sql["Service"], connectorId: string, nowMs: number) =>
  sql.transaction(
    Effect.gen(function* () {
      const heads = yield* sql.query<PushRow>(
        `SELECT ${pushColumns} FROM shop_pushes p
         WHERE connector_id = ? AND status = 'queued' AND next_attempt_ms <= ?
           AND NOT EXISTS (SELECT 1 FROM shop_pushes q WHERE q.connector_id = p.connector_id
             AND q.order_id = p.order_id AND q.seq < p.seq AND q.status IN ('queued', 'sending', 'failed'))
         ORDER BY seq LIMIT 1`,
        [connectorId, nowMs]
      )
      const head = heads[0]
      if (head === undefined) return undefined
      let batch: ReadonlyArray<PushRow> = [head]
      if (head.kind === "refund") {
        const batchId = head.batch_id ?? head.push_id
        batch =
          head.batch_id === null
            ? yield* sql.query<PushRow>(
                `SELECT ${pushColumns} FROM shop_pushes WHERE connector_id = ? AND kind = 'refund' AND status = 'queued'
                 AND group_key = ? AND batch_id IS NULL ORDER BY seq`,
                [connectorId, head.group_key]
              )
            : yield* sql.query<PushRow>(
                `SELECT ${pushColumns} FROM shop_pushes WHERE batch_id = ? AND status = 'queued' ORDER BY seq`,
                [batchId]
              )
        for (const row of batch) {
          yield* sql.execute("UPDATE shop_pushes SET batch_id = ? WHERE push_id = ?", [batchId, row.push_id])
        }
        batch = yield* refundUnitsOnLinesNow(sql, connectorId, batch, nowMs)
      }
      for (const row of batch) {
        yield* sql.execute(
          "UPDATE shop_pushes SET status = 'sending', attempts = attempts + 1, updated_at_ms = ? WHERE push_id = ?",
          [nowMs, row.push_id]
        )
      }
      return { head, batch }
    })
  )

/** At start-up: pushes a crash interrupted are sent again (with the same key: the shop acts once). */
export const recoverInterruptedPushes = (sql: Sql["Service"]) =>
  sql.execute("UPDATE shop_pushes SET status = 'queued' WHERE status = 'sending'").pipe(Effect.map((r) => r.changes))

const answerRefund = (sql: Sql["Service"], unit: RefundUnit, result: RefundResult, nowMs: number) =>
  enqueueShopMessage(
    sql,
    result.status === "issued"
      ? {
          stream: ShopStream.station(unit.siteId, unit.stationId),
          topic: shopInboxTopic.station(unit.siteId, unit.stationId, "refund.issued"),
          type: "refund.issued",
          version: 1,
          payload: {
            orderId: unit.orderId,
            lineId: unit.lineId,
            unit: unit.unit,
            itemRef: unit.itemRef,
            shopRefundId: result.shopRefundId,
            amountCents: unit.amountCents,
            currency: unit.currency
          }
        }
      : {
          stream: ShopStream.station(unit.siteId, unit.stationId),
          topic: shopInboxTopic.station(unit.siteId, unit.stationId, "refund.failed"),
          type: "refund.failed",
          version: 1,
          payload: {
            orderId: unit.orderId,
            lineId: unit.lineId,
            unit: unit.unit,
            itemRef: unit.itemRef,
            reason: result.reason.slice(0, 500)
          }
        },
    nowMs
  )

/** Tells the stations of the refund pushes `rows` that their refunds failed, and why. */
const failRefunds = (
  sql: Sql["Service"],
  rows: ReadonlyArray<{ readonly payload: string }>,
  reason: string,
  nowMs: number
) =>
  Effect.forEach(
    rows,
    (row) => answerRefund(sql, JSON.parse(row.payload) as RefundUnit, { status: "failed", reason }, nowMs),
    { discard: true }
  )

/**
 * The shop answered the refund pushes of `batch`: a claim that a voided return held while the answer was unknown is
 * settled by it (`settleVoidedClaim`), and a refund given up so is withdrawn, as the void withdraws one still waiting,
 * so that no manager's retry pays the voided return after all.
 */
const settleVoidedRefunds = (sql: Sql["Service"], batch: ReadonlyArray<PushRow>, nowMs: number) =>
  Effect.gen(function* () {
    const ledger = makeRefundLedger(sql)
    for (const row of batch) {
      if ((yield* ledger.settleVoidedClaim(row.subject, nowMs)) !== "released") continue
      yield* sql.execute(
        "UPDATE shop_pushes SET status = 'discarded', updated_at_ms = ? WHERE push_id = ? AND status = 'failed'",
        [nowMs, row.push_id]
      )
    }
  })

/** Done, or failed for a manager (`failedAs` says why, and how a retry sends it). */
const finish = (
  sql: Sql["Service"],
  batch: ReadonlyArray<PushRow>,
  outcome: { readonly status: "done" } | { readonly status: "failed"; readonly failedAs: FailedAs },
  result: unknown,
  error: string | null,
  nowMs: number
) =>
  Effect.forEach(
    batch,
    (row) =>
      sql.execute(
        `UPDATE shop_pushes SET status = ?, failed_as = ?, result = ?, last_error = ?, updated_at_ms = ?, done_at_ms = ?
         WHERE push_id = ?`,
        [
          outcome.status,
          outcome.status === "failed" ? outcome.failedAs : null,
          result === undefined ? null : JSON.stringify(result),
          error,
          nowMs,
          outcome.status === "done" ? nowMs : null,
          row.push_id
        ]
      ),
    { discard: true }
  )

/** Builds the shop's refund for a batch: per shop line, the units and their money, summed exactly. */
export const refundPushFor = (batch: ReadonlyArray<PushRow>, idempotencyKey: string): RefundPush => {
  const units = batch.map((row) => JSON.parse(row.payload) as RefundUnit)
  const first = units[0] as RefundUnit
  const byLine = new Map<string, { lineId: string; shopLineId: string; quantity: number; amountCents: number }>()
  for (const unit of units) {
    const line = byLine.get(unit.shopLineId) ?? {
      lineId: unit.refundLineId ?? unit.lineId,
      shopLineId: unit.shopLineId,
      quantity: 0,
      amountCents: 0
    }
    byLine.set(unit.shopLineId, {
      ...line,
      quantity: line.quantity + 1,
      amountCents: line.amountCents + unit.amountCents
    })
  }
  return {
    idempotencyKey,
    orderId: first.orderId,
    shopOrderId: first.shopOrderId,
    currency: first.currency,
    lines: [...byLine.values()],
    amountCents: units.reduce((sum, unit) => sum + unit.amountCents, 0),
    note: `Packbench return ${first.returnId}`
  }
}

export type DrainOutcome = "idle" | "sent" | "failed" | "waiting"

/**
 * Sends the connector's next push (or refund batch) and records what the shop answered, in one transaction after
 * the call: done (a refund's answer queued for its station as `refund.issued`), failed for a manager (the shop said
 * no; a refund's station gets `refund.failed` with the shop's reason), or back in the queue when the shop could not
 * be reached or asked us to slow down, with the whole connector waiting its backoff so the queue drains in order.
 * A failure waiting does not cure (an answer the hub cannot read, credentials refused) goes back in the queue too,
 * until the push's `handOverAfterAttempts`-th: then it is failed for a manager with the shop's reason, and the pushes
 * of other orders go on. The shop may have acted on it, so its station hears nothing yet, and a retry keeps its key.
 */
export const sendNextPush = (
  sql: Sql["Service"],
  connector: ShopConnector,
  settings: PushQueueSettings,
  now: Effect.Effect<number>
): Effect.Effect<DrainOutcome, StoreError> =>
  Effect.gen(function* () {
    const id = connector.settings.id
    const state = yield* sql.query<{ next_push_ms: number; push_failures: number }>(
      "SELECT next_push_ms, push_failures FROM shop_connectors WHERE connector_id = ?",
      [id]
    )
    const startMs = yield* now
    if (state[0] !== undefined && Number(state[0].next_push_ms) > startMs) return "waiting" as const
    const claimed = yield* claimNextPush(sql, id, startMs)
    if (claimed === undefined) return "idle" as const
    const { head, batch } = claimed
    // A crash retry keeps the key (the shop acts once); a manager's retry of a refused push is a new request.
    const key = Number(head.retries) === 0 ? head.idempotency_key : `${head.idempotency_key}/retry-${head.retries}`
    const call: Effect.Effect<{ ok: true; result: unknown } | { ok: false; result: RefundResult }, ShopError> =
      head.kind === "fulfillment"
        ? Effect.map(
            connector.fulfill({ ...(JSON.parse(head.payload) as FulfillmentPush), idempotencyKey: key }),
            (result) => ({
              ok: true as const,
              result
            })
          )
        : head.kind === "address"
          ? Effect.map(
              connector.updateAddress({ ...(JSON.parse(head.payload) as AddressPush), idempotencyKey: key }),
              (result) => ({ ok: true as const, result })
            )
          : Effect.map(connector.refund(refundPushFor(batch, key)), (result) =>
              result.status === "issued" ? { ok: true as const, result } : { ok: false as const, result }
            )
    const answer = yield* Effect.result(call)
    const endMs = yield* now
    return yield* sql.transaction(
      Effect.gen(function* () {
        if (answer._tag === "Success") {
          const answered = answer.success
          yield* finish(
            sql,
            batch,
            answered.ok ? { status: "done" } : { status: "failed", failedAs: "refused" },
            answered.result,
            answered.ok ? null : (answered.result as { reason: string }).reason,
            endMs
          )
          if (head.kind === "refund") {
            for (const row of batch) {
              yield* answerRefund(sql, JSON.parse(row.payload) as RefundUnit, answered.result as RefundResult, endMs)
            }
            yield* settleVoidedRefunds(sql, batch, endMs)
          }
          yield* sql.execute(
            `INSERT INTO shop_connectors (connector_id, last_push_ms, push_failures, next_push_ms) VALUES (?, ?, 0, 0)
             ON CONFLICT (connector_id) DO UPDATE SET last_push_ms = excluded.last_push_ms, push_failures = 0,
               next_push_ms = 0`,
            [id, endMs]
          )
          return answered.ok ? ("sent" as const) : ("failed" as const)
        }
        const error = answer.failure
        const message = `${error.reason}: ${error.message}`.slice(0, 1000)
        if (error.reason === "Rejected") {
          yield* finish(sql, batch, { status: "failed", failedAs: "refused" }, undefined, message, endMs)
          if (head.kind === "refund") {
            yield* failRefunds(sql, batch, `the shop refused the refund: ${error.message}`, endMs)
            yield* settleVoidedRefunds(sql, batch, endMs)
          }
          yield* recordConnectorError(sql, id, message, endMs)
          return "failed" as const
        }
        const stuck = stuckFailureOf(error)
        const stuckFailures = Number(head.stuck_failures) + (stuck === undefined ? 0 : 1)
        if (stuck !== undefined && stuckFailures >= settings.handOverAfterAttempts) {
          yield* finish(sql, batch, { status: "failed", failedAs: stuck }, undefined, message, endMs)
          for (const row of batch) {
            yield* sql.execute("UPDATE shop_pushes SET stuck_failures = ? WHERE push_id = ?", [
              stuckFailures,
              row.push_id
            ])
          }
          yield* recordConnectorError(sql, id, message, endMs)
          yield* Effect.logWarning(
            `shop ${id}: ${head.kind} push ${head.subject} of ${head.order_id} handed to a manager after ${stuckFailures} failures: ${message}`
          )
          if (head.kind === "refund") yield* settleVoidedRefunds(sql, batch, endMs)
          return "failed" as const
        }
        for (const row of batch) {
          yield* sql.execute(
            "UPDATE shop_pushes SET status = 'queued', last_error = ?, stuck_failures = ?, updated_at_ms = ? WHERE push_id = ?",
            [message, stuckFailures, endMs, row.push_id]
          )
        }
        const failures = Number(state[0]?.push_failures ?? 0) + 1
        const waitMs = Math.max(
          yield* requestedWaitMs(id, error),
          error.reason === "RateLimited" ? 0 : pushBackoffMs(failures, settings)
        )
        yield* sql.execute(
          `INSERT INTO shop_connectors (connector_id, push_failures, next_push_ms) VALUES (?, ?, ?)
           ON CONFLICT (connector_id) DO UPDATE SET push_failures = excluded.push_failures,
             next_push_ms = excluded.next_push_ms`,
          [id, failures, endMs + Math.max(waitMs, error.reason === "RateLimited" ? 250 : 0)]
        )
        yield* recordConnectorError(sql, id, message, endMs)
        return "waiting" as const
      })
    )
  })

export const recordConnectorError = (sql: Sql["Service"], connectorId: string, message: string, nowMs: number) =>
  sql.execute(
    `INSERT INTO shop_connectors (connector_id, last_error, last_error_ms) VALUES (?, ?, ?)
     ON CONFLICT (connector_id) DO UPDATE SET last_error = excluded.last_error, last_error_ms = excluded.last_error_ms`,
    [connectorId, message.slice(0, 1000), nowMs]
  )

/**
 * A manager's retry or discard of a failed push (with the rest of its refund batch), audited with who, when and why.
 * A retried push goes back into the queue at its place: one the shop refused as a new request (a refund as a new
 * batch under a new key), one the hub gave up on as the same request under its key, its refund batch as it was, so the
 * shop acts once however often it got it. A discarded one never reaches the shop again; a refund's station learns it
 * failed (when the shop refused it, or now, with the manager's reason, when the hub had given up on it).
 */
export const decidePush = (
  sql: Sql["Service"],
  decision: {
    readonly pushId: string
    readonly action: "retry" | "discard"
    readonly actor: string
    readonly reason: string
  },
  nowMs: number
) =>
  sql.transaction(
    Effect.gen(function* () {
      const rows = yield* sql.query<PushRow>(`SELECT ${pushColumns} FROM shop_pushes WHERE push_id = ?`, [
        decision.pushId
      ])
      const push = rows[0]
      if (push === undefined) return { ok: false as const, message: `no push ${decision.pushId}` }
      if (push.status !== "failed") {
        return { ok: false as const, message: `push ${decision.pushId} is ${push.status}, not failed` }
      }
      yield* sql.execute(
        "INSERT INTO shop_push_audit (audit_id, push_id, action, actor, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        [yield* uuid7(nowMs), push.push_id, decision.action, decision.actor, decision.reason.slice(0, 500), nowMs]
      )
      const refused = push.failed_as === null || push.failed_as === "refused"
      if (decision.action === "retry" && refused) {
        // A retried refund gets a fresh batch and key: the shop said no to the old request.
        yield* sql.execute(
          `UPDATE shop_pushes SET status = 'queued', failed_as = NULL, stuck_failures = 0, next_attempt_ms = ?,
             updated_at_ms = ?, retries = retries + 1, batch_id = CASE WHEN kind = 'refund' THEN NULL ELSE batch_id END
           WHERE status = 'failed' AND (push_id = ? OR batch_id = ?)`,
          [nowMs, nowMs, push.push_id, push.batch_id ?? push.push_id]
        )
      } else if (decision.action === "retry") {
        // The shop may have acted on the request the hub could not read the answer to: the same key and batch again.
        yield* sql.execute(
          `UPDATE shop_pushes SET status = 'queued', failed_as = NULL, stuck_failures = 0, next_attempt_ms = ?,
             updated_at_ms = ?
           WHERE status = 'failed' AND (push_id = ? OR batch_id = ?)`,
          [nowMs, nowMs, push.push_id, push.batch_id ?? push.push_id]
        )
      } else {
        const discarded = yield* sql.query<PushRow>(
          `SELECT ${pushColumns} FROM shop_pushes WHERE status = 'failed' AND (push_id = ? OR batch_id = ?)`,
          [push.push_id, push.batch_id ?? push.push_id]
        )
        yield* sql.execute(
          "UPDATE shop_pushes SET status = 'discarded', updated_at_ms = ? WHERE status = 'failed' AND (push_id = ? OR batch_id = ?)",
          [nowMs, push.push_id, push.batch_id ?? push.push_id]
        )
        if (!refused && push.kind === "refund") {
          yield* failRefunds(sql, discarded, `a manager discarded the refund: ${decision.reason}`, nowMs)
        }
      }
      return { ok: true as const, message: `${decision.action} recorded for push ${push.push_id}` }
    })
  )

/**
 * A manager's "retry all" for one connector, once its credentials or its answers are fixed: every push the hub handed
 * over (failed as `malformed` or `unauthorized`) goes back into the queue at its place, each under its own key and
 * refund batch as it was (the shop may have acted on an earlier try, and acts once per key), so the queue sends them in
 * their original order. Pushes the shop refused stay for a decision each: a retry of those is a new request. Each push
 * retried is audited like a single retry.
 */
export const retryHandedOverPushes = (
  sql: Sql["Service"],
  decision: { readonly connectorId: string; readonly actor: string; readonly reason: string },
  nowMs: number
) =>
  sql.transaction(
    Effect.gen(function* () {
      const handedOver = yield* sql.query<{ push_id: string }>(
        `SELECT push_id FROM shop_pushes WHERE connector_id = ? AND status = 'failed'
           AND failed_as IN ('malformed', 'unauthorized') ORDER BY seq`,
        [decision.connectorId]
      )
      for (const push of handedOver) {
        yield* sql.execute(
          "INSERT INTO shop_push_audit (audit_id, push_id, action, actor, reason, at_ms) VALUES (?, ?, 'retry', ?, ?, ?)",
          [yield* uuid7(nowMs), push.push_id, decision.actor, `retry all: ${decision.reason}`.slice(0, 500), nowMs]
        )
      }
      yield* sql.execute(
        `UPDATE shop_pushes SET status = 'queued', failed_as = NULL, stuck_failures = 0, next_attempt_ms = ?,
           updated_at_ms = ?
         WHERE connector_id = ? AND status = 'failed' AND failed_as IN ('malformed', 'unauthorized')`,
        [nowMs, nowMs, decision.connectorId]
      )
      return handedOver.length
    })
  )
