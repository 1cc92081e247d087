/** Reads the shop connectors' figures for monitoring, from the tables and indexes the Shop card reads. */
import { Effect } from "effect"
import type { Sql } from "../../../core/store/Sql.ts"
import type { FailedAs } from "./PushQueue.ts"
import type { ShopConnector } from "./ShopConnector.ts"

/** One connector's figures, as a monitoring system scrapes them. */
export interface ShopConnectorFigures {
  readonly connectorId: string
  /** Pushes still to be sent: queued or being sent. */
  readonly queuedPushes: number
  /** Pushes waiting for a manager's decision, by why (a push failed before the hub told why was refused by the shop). */
  readonly handedOver: Readonly<Record<FailedAs, number>>
  /** How long the oldest push still to be sent has waited since it was queued; 0 with none. */
  readonly oldestQueuedMs: number
  /** Catch-up passes failed in a row (any failure); 0 after a page went through. */
  readonly catchUpFailedPasses: number
  /** When a catch-up page last went through; undefined before the first. */
  readonly lastPullSuccessMs: number | undefined
}

/**
 * The statements, each a look-up by the connector's key or an index range of its open pushes (`shop_pushes_open`: the
 * queue and the pushes waiting for a manager, never the pushes done), so a scrape costs the same after years of
 * pushes. Exported for the test that checks their query plans.
 */
export const shopMetricsStatements = {
  connector: "SELECT poll_failures, last_poll_ms FROM shop_connectors WHERE connector_id = ?",
  queued: `SELECT COUNT(*) AS queued, MIN(created_at_ms) AS oldest FROM shop_pushes
    WHERE connector_id = ? AND status IN ('queued', 'sending')`,
  handedOver: `SELECT failed_as, COUNT(*) AS pushes FROM shop_pushes WHERE connector_id = ? AND status = 'failed'
    GROUP BY failed_as`
} as const

const failedAsOf = (value: string | null): FailedAs =>
  value === "malformed" || value === "unauthorized" ? value : "refused"

/** Every configured connector's figures at `nowMs` (the hub's clock), in the configuration's order. */
export const loadShopMetrics = (sql: Sql["Service"], connectors: ReadonlyArray<ShopConnector>, nowMs: number) =>
  Effect.forEach(connectors, (connector) =>
    Effect.gen(function* () {
      const id = connector.settings.id
      const state = (yield* sql.query<{ poll_failures: number; last_poll_ms: number | null }>(
        shopMetricsStatements.connector,
        [id]
      ))[0]
      const queued = (yield* sql.query<{ queued: number; oldest: number | null }>(shopMetricsStatements.queued, [
        id
      ]))[0]
      const failed = yield* sql.query<{ failed_as: string | null; pushes: number }>(shopMetricsStatements.handedOver, [
        id
      ])
      const handedOver: Record<FailedAs, number> = { refused: 0, malformed: 0, unauthorized: 0 }
      for (const row of failed) handedOver[failedAsOf(row.failed_as)] += Number(row.pushes)
      const oldest = queued?.oldest === null || queued?.oldest === undefined ? undefined : Number(queued.oldest)
      const figures: ShopConnectorFigures = {
        connectorId: id,
        queuedPushes: Number(queued?.queued ?? 0),
        handedOver,
        // A push queued by a hub whose clock runs ahead of this one's has waited no time, not a negative one.
        oldestQueuedMs: oldest === undefined ? 0 : Math.max(0, nowMs - oldest),
        catchUpFailedPasses: Number(state?.poll_failures ?? 0),
        lastPullSuccessMs:
          state?.last_poll_ms === null || state?.last_poll_ms === undefined ? undefined : Number(state.last_poll_ms)
      }
      return figures
    })
  )
