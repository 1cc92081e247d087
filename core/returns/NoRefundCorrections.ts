/** The correction events the returns desk owes for units a release before no-refund recorded as held for review. */
import { Effect } from "effect"
import { decodePayload } from "../events/EventDefinition.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import type { StoredDecision } from "./ReturnRows.ts"
import { ReturnRefundDecided, ReturnRefundDecisionCorrected } from "./ReturnsEvents.ts"

interface DueRow {
  readonly corrected_event_id: string
  readonly payload: string
  readonly decision: string
}

/**
 * Appends, through the event log (the station's ids, sequence and clock, so the outbox publishes it as any event),
 * the `return.refund-decision-corrected` each version 1 event listed by station migration 0110 is owed: the unit's
 * decision as the desk holds it (`no-refund`, its reason) in place of the `hold-for-review` at 0 the event recorded.
 * Each is appended in the transaction that strikes it off the list, so a crash leaves it owed and a second start finds
 * nothing: one correction per event. A corrected event that no longer reads stays owed, and says so on every start.
 */
export const recordNoRefundCorrections = Effect.fn("NoRefundCorrections.record")(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  // The list first (CROSS JOIN keeps SQLite from walking the whole log in seq order to meet it), each event by its id.
  const due = yield* sql.query<DueRow>(
    `SELECT due.corrected_event_id, events.payload, return_items.decision
     FROM refund_corrections_due due
     CROSS JOIN events ON events.id = due.corrected_event_id
     JOIN return_items ON return_items.item_ref = due.item_ref
     ORDER BY events.seq`
  )
  for (const row of due) {
    const corrected = yield* Effect.result(
      Effect.try({ try: () => JSON.parse(row.payload) as unknown, catch: String }).pipe(
        Effect.flatMap((raw) => decodePayload(ReturnRefundDecided, raw))
      )
    )
    if (corrected._tag === "Failure") {
      yield* Effect.logError(
        `return.refund-decided ${row.corrected_event_id} does not read (${corrected.failure}): its correction stays owed`
      )
      continue
    }
    const { outcome, previousOutcome, source, ruleId, amountCents, currency, reason, ...unit } = corrected.success
    const decision = JSON.parse(row.decision) as StoredDecision
    yield* sql.transaction(
      Effect.gen(function* () {
        const struck = yield* sql.execute("DELETE FROM refund_corrections_due WHERE corrected_event_id = ?", [
          row.corrected_event_id
        ])
        if (struck.changes === 0) return
        yield* log.append(ReturnRefundDecisionCorrected, {
          ...unit,
          corrects: row.corrected_event_id,
          correctedOutcome: outcome,
          outcome: decision.outcome,
          amountCents: decision.amountCents,
          currency: decision.currency,
          reason: decision.reason
        })
      })
    )
  }
})
