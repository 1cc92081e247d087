/** Customers unsubscribing from notifications by the token in their mails. */
import { Effect } from "effect"
import type { Locale } from "../../../core/config/StationConfig.ts"
import { Sql } from "../../../core/store/Sql.ts"

/** What the unsubscribe page needs about the token's customer: no name, no address, no e-mail. */
export interface OptOutView {
  readonly customerId: string
  readonly locale: Locale
  readonly brand: string
  readonly optedOutAtMs: number | undefined
}

/** The customer behind an unsubscribe token, or undefined for a token the hub never issued. */
export const loadOptOut = Effect.fn("OptOut.load")(function* (token: string) {
  const sql = yield* Sql
  const rows = yield* sql.query<{
    customer_id: string
    locale: Locale
    opted_out: number
    opted_out_at_ms: number | null
  }>(
    `SELECT c.customer_id, c.locale, c.opted_out, c.opted_out_at_ms
     FROM hub_unsubscribe_tokens u JOIN hub_customers c USING (customer_id) WHERE u.token = ?`,
    [token]
  )
  const customer = rows[0]
  if (customer === undefined) return undefined
  const brands = yield* sql.query<{ brand: string }>(
    "SELECT brand FROM hub_orders WHERE customer_id = ? ORDER BY updated_at_ms DESC LIMIT 1",
    [customer.customer_id]
  )
  const view: OptOutView = {
    customerId: customer.customer_id,
    locale: customer.locale,
    brand: brands[0]?.brand ?? "",
    optedOutAtMs: Number(customer.opted_out) === 1 ? Number(customer.opted_out_at_ms ?? 0) : undefined
  }
  return view
})

/**
 * Records the opt-out of the token's customer; a second one keeps the first time. Later mail of an optional
 * kind is suppressed by the sender, including mail already waiting in the outbox.
 */
export const recordOptOut = Effect.fn("OptOut.record")(function* (token: string, nowMs: number) {
  const sql = yield* Sql
  const view = yield* loadOptOut(token)
  if (view === undefined) return undefined
  if (view.optedOutAtMs !== undefined) return view
  yield* sql.execute(
    "UPDATE hub_customers SET opted_out = 1, opted_out_at_ms = ? WHERE customer_id = ? AND opted_out = 0",
    [nowMs, view.customerId]
  )
  yield* Effect.logInfo(`hub: customer ${view.customerId} opted out of optional mail`)
  return { ...view, optedOutAtMs: nowMs }
})
