/** Reads the Shop card's figures from the hub's tables. */
import { Effect } from "effect"
import type { ShopConnectorView, ShopPushView, ShopStatus } from "../../../core/shops/ShopStatus.ts"
import type { Sql } from "../../../core/store/Sql.ts"
import type { FailedAs } from "./PushQueue.ts"
import type { ShopConnector } from "./ShopConnector.ts"

interface ConnectorRow {
  readonly connector_id: string
  readonly next_poll_ms: number
  readonly poll_failures: number
  readonly last_poll_ms: number | null
  readonly last_order_ms: number | null
  readonly last_push_ms: number | null
  readonly next_push_ms: number
  readonly push_failures: number
  readonly last_error: string | null
  readonly last_error_ms: number | null
  readonly poll_stuck_failures: number
  readonly poll_problem_as: "malformed" | "unauthorized" | null
  readonly poll_problem: string | null
  readonly poll_problem_since_ms: number | null
}

const nullableNumber = (value: number | null | undefined) =>
  value === null || value === undefined ? null : Number(value)

/**
 * The Shop card's figures, read from the hub's tables in one go; a catch-up that failed `handOverAfterAttempts` passes
 * in a row on what waiting does not cure is named as a problem.
 */
export const loadShopStatus = (
  sql: Sql["Service"],
  connectors: ReadonlyArray<ShopConnector>,
  handOverAfterAttempts: number,
  nowMs: number
) =>
  Effect.gen(function* () {
    const views: Array<ShopConnectorView> = []
    for (const connector of connectors) {
      const id = connector.settings.id
      const row = (yield* sql.query<ConnectorRow>(
        `SELECT connector_id, next_poll_ms, poll_failures, last_poll_ms, last_order_ms, last_push_ms, next_push_ms,
           push_failures, last_error, last_error_ms, poll_stuck_failures, poll_problem_as, poll_problem,
           poll_problem_since_ms FROM shop_connectors WHERE connector_id = ?`,
        [id]
      ))[0]
      const queued = yield* sql.query<{ count: number }>(
        "SELECT COUNT(*) AS count FROM shop_pushes WHERE connector_id = ? AND status IN ('queued', 'sending')",
        [id]
      )
      const failed = yield* sql.query<{
        push_id: string
        kind: "fulfillment" | "refund" | "address"
        order_id: string
        subject: string
        status: ShopPushView["status"]
        failed_as: FailedAs | null
        attempts: number
        last_error: string | null
        updated_at_ms: number
      }>(
        `SELECT push_id, kind, order_id, subject, status, failed_as, attempts, last_error, updated_at_ms FROM shop_pushes
         WHERE connector_id = ? AND status = 'failed' ORDER BY seq LIMIT 50`,
        [id]
      )
      const failing = Number(row?.poll_failures ?? 0) > 0 || Number(row?.push_failures ?? 0) > 0
      const retryAt = Math.max(
        Number(row?.poll_failures ?? 0) > 0 ? Number(row?.next_poll_ms ?? 0) : 0,
        Number(row?.push_failures ?? 0) > 0 ? Number(row?.next_push_ms ?? 0) : 0
      )
      views.push({
        connectorId: id,
        type: connector.settings.type,
        state: failing ? "failing" : row?.last_poll_ms === null || row === undefined ? "starting" : "connected",
        lastOrderAtMs: nullableNumber(row?.last_order_ms),
        lastPollAtMs: nullableNumber(row?.last_poll_ms),
        lastPushAtMs: nullableNumber(row?.last_push_ms),
        queuedPushes: Number(queued[0]?.count ?? 0),
        failedPushes: failed.map((push) => ({
          pushId: push.push_id,
          kind: push.kind,
          orderId: push.order_id,
          subject: push.subject,
          status: push.status,
          // A push failed before the hub told why (migration 63 marks those) was one the shop refused.
          failedAs: push.failed_as ?? "refused",
          attempts: Number(push.attempts),
          lastError: push.last_error,
          updatedAtMs: Number(push.updated_at_ms)
        })),
        lastError: row?.last_error ?? null,
        lastErrorAtMs: nullableNumber(row?.last_error_ms),
        retryAtMs: retryAt > nowMs ? retryAt : null,
        catchUpProblem:
          row !== undefined &&
          Number(row.poll_stuck_failures) >= handOverAfterAttempts &&
          row.poll_problem_as !== null &&
          row.poll_problem !== null
            ? {
                reason: row.poll_problem_as,
                message: row.poll_problem,
                failures: Number(row.poll_stuck_failures),
                sinceMs: Number(row.poll_problem_since_ms)
              }
            : null
      })
    }
    const waiting = yield* sql.query<{ site_id: string; orders: number }>(
      `SELECT o.site_id, COUNT(*) AS orders FROM shop_orders o
       WHERE o.state IN ('open', 'on-hold') AND o.version > 0
         AND NOT EXISTS (SELECT 1 FROM shop_parcels p WHERE p.order_id = o.order_id)
       GROUP BY o.site_id ORDER BY o.site_id`
    )
    const quarantined = yield* sql.query<{
      connector_id: string
      shop_order_id: string
      reason: string
      received_at_ms: number
    }>(
      "SELECT connector_id, shop_order_id, reason, received_at_ms FROM shop_quarantine ORDER BY received_at_ms DESC LIMIT 20"
    )
    const status: ShopStatus = {
      connectors: views,
      waitingBySite: waiting.map((row) => ({ siteId: row.site_id, orders: Number(row.orders) })),
      quarantined: quarantined.map((row) => ({
        connectorId: row.connector_id,
        shopOrderId: row.shop_order_id,
        reason: row.reason,
        atMs: Number(row.received_at_ms)
      })),
      atMs: nowMs
    }
    return status
  })
