/** The hub's shop side: orders in by webhook and poll, fulfillments and refunds out through the push queue. */

import { Context, Duration, Effect, Queue, type Scope } from "effect"
import { decodeUtf8 } from "../../../core/bounds/Utf8.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import type { Broker } from "../../../core/sync/Broker.ts"
import {
  type DrainOutcome,
  decidePush,
  defaultPushQueueSettings,
  type PushQueueSettings,
  pushBackoffMs,
  recordConnectorError,
  recoverInterruptedPushes,
  requestedWaitMs,
  retryHandedOverPushes,
  sendNextPush,
  stuckFailureOf
} from "./PushQueue.ts"
import type { Routing } from "./RoutingRules.ts"
import type { RawWebhook, ShopConnector } from "./ShopConnector.ts"
import {
  type DraftSource,
  type IngestOutcome,
  ingestShopOrder,
  type QuarantinePayload,
  quarantineShopPayload
} from "./ShopInbox.ts"
import { makeShopInboxPublisher } from "./ShopInboxPublisher.ts"
import { loadShopMetrics } from "./ShopMetrics.ts"
import type { ShopOrderDraft } from "./ShopOrderDraft.ts"
import { makeShopOutbound } from "./ShopOutbound.ts"
import { loadShopStatus } from "./ShopStatus.ts"

export interface ShopHubOptions {
  readonly connectors: ReadonlyArray<ShopConnector>
  readonly routing: Routing
  readonly queue: PushQueueSettings
  /** Time between two catch-up polls of a shop that answered. */
  readonly pollIntervalMs: number
  /** How far back the first poll of a new connector looks. */
  readonly firstPollLookbackMs: number
  /** SHA-256 (hex) of a quarantined payload: the hub's core has no crypto of its own. */
  readonly sha256: (text: string) => string
}

export interface WebhookAnswer {
  readonly status: number
  readonly body: unknown
}

/**
 * How many orders one webhook request reads from the shop. A webhook may name thousands (a bulk edit in Shopware's
 * admin), and reading them one after another inside the request runs past the shop's webhook timeout, which the shop
 * counts as a failure (Shopware, Shopify and WooCommerce disable a webhook that keeps failing). The orders past this
 * bound are not lost: the shop changed them, so the catch-up poll (made due at once) reads them from the shop.
 */
export const webhookReadsPerRequest = 10

const quarantineText = (value: unknown, sha256: (text: string) => string): QuarantinePayload => {
  const text = typeof value === "string" ? value : JSON.stringify(value)
  return { text: text.slice(0, 4096), sha256: sha256(text) }
}

/** A webhook body as text for its quarantine record: up to its first byte that is no UTF-8, which is named. */
const bodyText = (body: Uint8Array) => {
  const decoded = decodeUtf8(body)
  if ("text" in decoded) return decoded.text
  const valid = decodeUtf8(body.subarray(0, decoded.badOffset))
  return `${"text" in valid ? valid.text : ""}[not UTF-8 from byte ${decoded.badOffset} of ${body.length}]`
}

/**
 * The hub's side of the shops: takes orders in by webhook and catch-up poll, queues fulfillments and refunds from the
 * stations' events, sends them in order, and publishes the stations' inbox messages with the shop side's login.
 * Built over the hub's database; every connector's state lives there, so a restarted hub goes on where it stopped.
 */
export const makeShopHub = (sql: Sql["Service"], now: Effect.Effect<number>, options: ShopHubOptions) => {
  const byId = new Map(options.connectors.map((connector) => [connector.settings.id, connector]))
  const settingsById = new Map(options.connectors.map((connector) => [connector.settings.id, connector.settings]))
  const outbound = makeShopOutbound(sql, settingsById, options.queue)
  const messageWakeups = Effect.runSync(Queue.sliding<void>(1))
  const pushWakeups = Effect.runSync(Queue.sliding<void>(1))

  const ingest = (
    connector: ShopConnector,
    draft: ShopOrderDraft,
    raw: unknown,
    deliveryId: string | undefined,
    source: DraftSource
  ) =>
    Effect.gen(function* () {
      const nowMs = yield* now
      const outcome = yield* sql.transaction(
        Effect.gen(function* () {
          if (deliveryId !== undefined) {
            const fresh = yield* sql.execute(
              `INSERT INTO shop_webhook_deliveries (connector_id, delivery_id, received_at_ms) VALUES (?, ?, ?)
               ON CONFLICT (connector_id, delivery_id) DO NOTHING`,
              [connector.settings.id, deliveryId.slice(0, 200), nowMs]
            )
            if (fresh.changes === 0) return "stale" as IngestOutcome
          }
          return yield* ingestShopOrder(
            sql,
            connector.settings,
            options.routing,
            draft,
            quarantineText(raw, options.sha256),
            nowMs,
            source
          )
        })
      )
      if (outcome !== "stale" && outcome !== "unchanged") Queue.offerUnsafe(messageWakeups, undefined)
      return outcome
    })

  const deliverySeen = (connectorId: string, deliveryId: string) =>
    Effect.map(
      sql.query("SELECT 1 FROM shop_webhook_deliveries WHERE connector_id = ? AND delivery_id = ?", [
        connectorId,
        deliveryId.slice(0, 200)
      ]),
      (rows) => rows.length > 0
    )

  /**
   * Forgets every connector's webhook deliveries older than its `replayWindowMs`, which no replay can reach any more
   * (found by migration 67's index, not by reading every delivery); how many. Run on the hub's timer, not in a webhook's
   * transaction, so that hubs of a fleet taking webhooks at once do not wait on each other's deletions.
   */
  const pruneWebhookDeliveries = Effect.gen(function* () {
    const nowMs = yield* now
    let pruned = 0
    for (const connector of options.connectors) {
      const deleted = yield* sql.execute(
        "DELETE FROM shop_webhook_deliveries WHERE connector_id = ? AND received_at_ms < ?",
        [connector.settings.id, nowMs - connector.replayWindowMs]
      )
      pruned += deleted.changes
    }
    return pruned
  })

  /**
   * Webhooks refused for their signature come from anyone who finds the address: each connector's refusals are logged
   * at most once a minute, the next line counting those left out since, so a flood of forged requests cannot flood
   * the operator's log (a warning each before).
   */
  const refusalLines = new Map<string, { readonly atMs: number; readonly leftOut: number }>()
  const warnRefused = (connectorId: string, what: string) =>
    Effect.gen(function* () {
      const nowMs = yield* now
      const last = refusalLines.get(connectorId)
      if (last !== undefined && nowMs - last.atMs < 60_000) {
        refusalLines.set(connectorId, { atMs: last.atMs, leftOut: last.leftOut + 1 })
        return
      }
      refusalLines.set(connectorId, { atMs: nowMs, leftOut: 0 })
      const since =
        last === undefined || last.leftOut === 0 ? "" : ` (and ${last.leftOut} more refused since the last line)`
      yield* Effect.logWarning(`shop ${connectorId}: ${what}${since}`)
    })

  /**
   * Whether a webhook's body is to be read at all, from its connector id and headers alone: an unknown connector is
   * answered 404 and headers that cannot verify 401 (`ShopConnector.screenWebhook`); else the most bytes its shop sends.
   */
  const admitWebhook = (
    connectorId: string,
    headers: RawWebhook["headers"]
  ): Effect.Effect<
    { readonly ok: true; readonly maxBodyBytes: number } | { readonly ok: false; readonly answer: WebhookAnswer }
  > =>
    Effect.gen(function* () {
      const connector = byId.get(connectorId)
      if (connector === undefined)
        return { ok: false, answer: { status: 404, body: { error: `no connector ${connectorId.slice(0, 32)}` } } }
      const screened = yield* Effect.result(connector.screenWebhook(headers))
      if (screened._tag === "Success") return { ok: true, maxBodyBytes: connector.maxWebhookBytes }
      yield* warnRefused(connectorId, `webhook refused unread: ${screened.failure.message}`)
      return { ok: false, answer: { status: screened.failure.status, body: { error: screened.failure.message } } }
    })

  /** A webhook from a shop: verified over the raw body, then each order it names taken in (read when not carried). */
  const receiveWebhook = (connectorId: string, raw: RawWebhook): Effect.Effect<WebhookAnswer, StoreError> =>
    Effect.gen(function* () {
      const connector = byId.get(connectorId)
      if (connector === undefined) return { status: 404, body: { error: `no connector ${connectorId}` } }
      const verified = yield* Effect.result(connector.verifyWebhook(raw))
      if (verified._tag === "Failure") {
        const refused = verified.failure
        if (refused.signed === true) {
          // The shop sent it: a person must see it, and the same bytes sent again cannot be read either. A non-2xx
          // answer would only bring retries and count against the webhook (WooCommerce disables one after five
          // failures in a row, Shopify and Shopware too after theirs), stopping the good orders behind it.
          const reason = `signed webhook the hub cannot take: ${refused.message}`
          yield* quarantineShopPayload(
            sql,
            {
              connectorId,
              shopOrderId: "(none)",
              reason,
              payload: quarantineText(bodyText(raw.body), options.sha256)
            },
            yield* now
          )
          return { status: 200, body: { outcomes: ["quarantined"], reason } }
        }
        yield* warnRefused(connectorId, `webhook refused: ${refused.message}`)
        return { status: refused.status, body: { error: refused.message } }
      }
      const outcomes: Array<IngestOutcome> = []
      let reads = 0
      let leftToCatchUp = 0
      for (const notice of verified.success) {
        if (notice.order === undefined && reads === webhookReadsPerRequest) {
          leftToCatchUp++
          continue
        }
        // A repeat (the shop retrying, a replayer) costs no read from the shop; the insert below still decides.
        if (notice.deliveryId !== undefined && (yield* deliverySeen(connectorId, notice.deliveryId))) {
          outcomes.push("stale")
          continue
        }
        if (notice.order === undefined) reads++
        const order =
          notice.order === undefined
            ? yield* Effect.result(connector.readOrder(notice.shopOrderId))
            : { _tag: "Success" as const, success: notice.order }
        if (order._tag === "Failure") {
          // The shop sends the webhook again on a non-2xx answer, and the catch-up poll finds the order anyway.
          yield* recordConnectorError(
            sql,
            connectorId,
            `reading order ${notice.shopOrderId}: ${order.failure.message}`,
            yield* now
          )
          return { status: 503, body: { error: "the order could not be read from the shop; send again" } }
        }
        if (order.success === undefined) continue
        outcomes.push(
          yield* ingest(
            connector,
            order.success,
            order.success,
            notice.deliveryId,
            notice.order === undefined ? "read" : "carried"
          )
        )
      }
      if (leftToCatchUp === 0) return { status: 200, body: { outcomes } }
      const nowMs = yield* now
      yield* sql.execute("UPDATE shop_connectors SET next_poll_ms = ? WHERE connector_id = ? AND next_poll_ms > ?", [
        nowMs,
        connectorId,
        nowMs
      ])
      yield* Effect.logInfo(
        `shop ${connectorId}: a webhook named ${leftToCatchUp} orders more than the ${webhookReadsPerRequest} read at once; the catch-up poll reads them now`
      )
      return { status: 200, body: { outcomes, leftToCatchUp } }
    })

  /**
   * One catch-up poll of a connector whose poll is due: every page of orders changed since the stored cursor. A failed
   * page keeps the cursor and waits its backoff; failures that waiting does not cure are counted, and at
   * `handOverAfterAttempts` in a row the Shop card names the problem (a person must look) until a page goes through.
   */
  const pollOnce = (connector: ShopConnector) =>
    Effect.gen(function* () {
      const id = connector.settings.id
      const start = yield* now
      const rows = yield* sql.query<{
        poll_cursor: string | null
        next_poll_ms: number
        poll_failures: number
        poll_stuck_failures: number
        poll_problem_as: string | null
        poll_problem: string | null
        poll_problem_since_ms: number | null
      }>(
        `SELECT poll_cursor, next_poll_ms, poll_failures, poll_stuck_failures, poll_problem_as, poll_problem,
           poll_problem_since_ms FROM shop_connectors WHERE connector_id = ?`,
        [id]
      )
      const state = rows[0]
      if (state !== undefined && Number(state.next_poll_ms) > start) return 0
      let cursor = state?.poll_cursor ?? undefined
      let taken = 0
      for (let page = 0; page < 100; page++) {
        const result = yield* Effect.result(
          connector.ordersChangedSince(cursor, start - options.firstPollLookbackMs, start)
        )
        if (result._tag === "Failure") {
          const failure = result.failure
          const failures = Number(state?.poll_failures ?? 0) + 1
          const at = yield* now
          const stuck = stuckFailureOf(failure)
          const before = Number(state?.poll_stuck_failures ?? 0)
          const problem =
            stuck === undefined
              ? {
                  failures: before,
                  as: state?.poll_problem_as ?? null,
                  message: state?.poll_problem ?? null,
                  sinceMs: state?.poll_problem_since_ms ?? null
                }
              : {
                  failures: before + 1,
                  as: stuck,
                  message: `${failure.reason}: ${failure.message}`.slice(0, 1000),
                  sinceMs: before === 0 ? at : (state?.poll_problem_since_ms ?? at)
                }
          yield* sql.execute(
            `INSERT INTO shop_connectors (connector_id, poll_failures, next_poll_ms, poll_stuck_failures, poll_problem_as,
               poll_problem, poll_problem_since_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (connector_id) DO UPDATE SET poll_failures = excluded.poll_failures,
               next_poll_ms = excluded.next_poll_ms, poll_stuck_failures = excluded.poll_stuck_failures,
               poll_problem_as = excluded.poll_problem_as, poll_problem = excluded.poll_problem,
               poll_problem_since_ms = excluded.poll_problem_since_ms`,
            [
              id,
              failures,
              at + Math.max(yield* requestedWaitMs(id, failure), pushBackoffMs(failures, options.queue)),
              problem.failures,
              problem.as,
              problem.message,
              problem.sinceMs
            ]
          )
          yield* recordConnectorError(sql, id, `polling: ${failure.reason}: ${failure.message}`, at)
          if (stuck !== undefined && problem.failures === options.queue.handOverAfterAttempts) {
            yield* Effect.logWarning(
              `shop ${id}: the catch-up failed ${problem.failures} times in a row and needs a person; it keeps its cursor: ${problem.message}`
            )
          }
          return taken
        }
        for (const draft of result.success.orders) {
          yield* ingest(connector, draft, draft, undefined, "read")
          taken++
        }
        cursor = result.success.cursor
        const at = yield* now
        yield* sql.execute(
          `INSERT INTO shop_connectors (connector_id, poll_cursor, poll_failures, last_poll_ms, next_poll_ms)
           VALUES (?, ?, 0, ?, ?)
           ON CONFLICT (connector_id) DO UPDATE SET poll_cursor = excluded.poll_cursor, poll_failures = 0,
             last_poll_ms = excluded.last_poll_ms, next_poll_ms = excluded.next_poll_ms, poll_stuck_failures = 0,
             poll_problem_as = NULL, poll_problem = NULL, poll_problem_since_ms = NULL`,
          [id, cursor, at, at + options.pollIntervalMs]
        )
        if (!result.success.more) break
      }
      return taken
    })

  /** Sends pushes of one connector until its queue is empty, a push is not due yet, or the shop must be waited for. */
  const drain = (connector: ShopConnector) =>
    Effect.gen(function* () {
      let outcome: DrainOutcome = "idle"
      for (let sent = 0; sent < 1_000; sent++) {
        outcome = yield* sendNextPush(sql, connector, options.queue, now)
        if (outcome === "sent" || outcome === "failed") Queue.offerUnsafe(messageWakeups, undefined)
        if (outcome === "idle" || outcome === "waiting") break
      }
      return outcome
    })

  const applyStationEvent = (event: EventEnvelope) =>
    Effect.gen(function* () {
      yield* outbound.applyStationEvent(event, yield* now)
      Queue.offerUnsafe(pushWakeups, undefined)
    })

  /** Runs every connector's poll and push loops, and the inbox publisher on `broker`, until the scope closes. */
  const start = (broker: Broker["Service"], loopMs: number): Effect.Effect<void, unknown, Scope.Scope> =>
    Effect.gen(function* () {
      const recovered = yield* recoverInterruptedPushes(sql)
      if (recovered > 0)
        yield* Effect.logWarning(`shops: ${recovered} pushes were interrupted by a crash; sending them again`)
      yield* makeShopInboxPublisher(sql, broker, now).start(messageWakeups, loopMs)
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.andThen(
            pruneWebhookDeliveries.pipe(
              Effect.catchCause((cause) => Effect.logError("shops: pruning webhook deliveries failed", cause))
            ),
            Effect.sleep(Duration.millis(options.pollIntervalMs))
          )
        )
      )
      for (const connector of options.connectors) {
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.andThen(
              pollOnce(connector).pipe(
                Effect.catchCause((cause) => Effect.logError(`shop ${connector.settings.id}: poll pass failed`, cause))
              ),
              Effect.sleep(Duration.millis(Math.min(loopMs, options.pollIntervalMs)))
            )
          )
        )
      }
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            let waiting = false
            for (const connector of options.connectors) {
              const outcome = yield* drain(connector).pipe(
                Effect.catchCause((cause) =>
                  Effect.as(
                    Effect.logError(`shop ${connector.settings.id}: push pass failed`, cause),
                    "waiting" as const
                  )
                )
              )
              if (outcome === "waiting") waiting = true
            }
            // A connector waiting out a backoff or a refund settling is looked at again soon; otherwise on a new push.
            yield* Effect.raceFirst(
              Queue.take(pushWakeups),
              Effect.sleep(Duration.millis(waiting ? Math.min(250, loopMs) : loopMs))
            )
          })
        )
      )
    })

  return {
    connectors: options.connectors,
    applyStationEvent,
    admitWebhook,
    receiveWebhook,
    pollOnce,
    pruneWebhookDeliveries,
    drain,
    start,
    status: Effect.flatMap(now, (nowMs) =>
      loadShopStatus(sql, options.connectors, options.queue.handOverAfterAttempts, nowMs)
    ),
    /** Each connector's figures for monitoring (`GET /metrics/shops`). */
    metrics: Effect.flatMap(now, (nowMs) => loadShopMetrics(sql, options.connectors, nowMs)),
    decidePush: (decision: Parameters<typeof decidePush>[1]) =>
      Effect.flatMap(now, (nowMs) =>
        Effect.tap(decidePush(sql, decision, nowMs), () => Effect.sync(() => Queue.offerUnsafe(pushWakeups, undefined)))
      ),
    /** A manager's "retry all" of the pushes a connector handed over (PushQueue.retryHandedOverPushes). */
    retryHandedOver: (decision: Parameters<typeof retryHandedOverPushes>[1]) =>
      Effect.gen(function* () {
        if (!byId.has(decision.connectorId)) {
          return { ok: false, message: `no connector ${decision.connectorId}`, retried: 0 }
        }
        const retried = yield* retryHandedOverPushes(sql, decision, yield* now)
        Queue.offerUnsafe(pushWakeups, undefined)
        return {
          ok: true,
          message:
            retried === 0
              ? `no push of ${decision.connectorId} was handed over`
              : `${retried} pushes of ${decision.connectorId} queued again`,
          retried
        }
      }),
    quarantine: (connectorId: string, shopOrderId: string, reason: string, raw: unknown) =>
      Effect.flatMap(now, (nowMs) =>
        quarantineShopPayload(
          sql,
          { connectorId, shopOrderId, reason, payload: quarantineText(raw, options.sha256) },
          nowMs
        )
      )
  }
}

export type ShopHub = ReturnType<typeof makeShopHub>

/** The hub's shop side as a service: the consumer applies station events through it, the HTTP server takes webhooks. */
export class Shops extends Context.Service<Shops, ShopHub>()("packbench/hub/core/shop/Shops") {}

/** No connectors configured: the shop side does nothing, and the Shop card says so. */
export const noShops: ShopHubOptions = {
  connectors: [],
  routing: { rules: [], defaultSite: undefined },
  queue: defaultPushQueueSettings,
  pollIntervalMs: 60_000,
  firstPollLookbackMs: 0,
  sha256: () => ""
}
