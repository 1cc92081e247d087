/** Grading returned units and setting where each one goes next. */
import { Effect } from "effect"
import { actorOf } from "../session/Operator.ts"
import type { Disposition, Grade } from "./RefundRules.ts"
import { declaredReasonFor, returnsError, type StoredDecision, toReturnsError, type WithAt } from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import { ReturnDispositionSet, ReturnItemGraded } from "./ReturnsEvents.ts"

/** Grading each unit (one key per condition) and setting where it goes next, with a reason against the rules. */
export const makeReturnsGrading = (desk: ReturnsDesk) => {
  const { sql, log, clerk, timeOf, rmasOf, itemOf, identityOf, currentView } = desk
  const grade = Effect.fn("ReturnsService.grade")(function* (
    input: {
      readonly itemRef: string
      readonly grade: Grade
      readonly opened?: boolean
      readonly notes?: string
    } & WithAt
  ) {
    const operator = yield* clerk
    const at = yield* timeOf(input)
    yield* sql.transaction(
      Effect.gen(function* () {
        const row = yield* itemOf(input.itemRef)
        if (row.decision !== null) {
          return yield* Effect.fail(
            returnsError("already-decided", `${input.itemRef} is decided: a manager can override`)
          )
        }
        const opened = input.opened ?? input.grade !== "new-sealed"
        const rmas = row.order_id === null ? [] : yield* rmasOf(row.order_id)
        const returnRow = yield* sql.query<{ rma_id: string | null }>(
          "SELECT rma_id FROM returns WHERE return_id = ?",
          [row.return_id]
        )
        yield* sql.execute("UPDATE return_items SET grade = ?, opened = ?, notes = ? WHERE item_ref = ?", [
          input.grade,
          opened ? 1 : 0,
          input.notes ?? null,
          input.itemRef
        ])
        yield* log.append(
          ReturnItemGraded,
          {
            ...identityOf(row),
            grade: input.grade,
            opened,
            declaredReason: declaredReasonFor(rmas, returnRow[0]?.rma_id ?? null, row.sku),
            flags: JSON.parse(row.flags),
            notes: input.notes ?? null
          },
          { eventTime: at, actor: actorOf(operator) }
        )
      })
    )
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  const setDisposition = Effect.fn("ReturnsService.setDisposition")(function* (
    input: { readonly itemRef: string; readonly disposition: Disposition; readonly reason?: string } & WithAt
  ) {
    const operator = yield* clerk
    const at = yield* timeOf(input)
    yield* sql.transaction(
      Effect.gen(function* () {
        const row = yield* itemOf(input.itemRef)
        const suggested =
          row.decision === null ? null : (JSON.parse(row.decision) as StoredDecision).suggestedDisposition
        const reason = input.reason?.trim() ?? ""
        if (suggested !== null && input.disposition !== suggested && reason === "") {
          return yield* Effect.fail(
            returnsError("reason-required", `The rules suggest ${suggested}: say why ${input.disposition} instead`)
          )
        }
        yield* sql.execute("UPDATE return_items SET disposition = ?, disposition_reason = ? WHERE item_ref = ?", [
          input.disposition,
          reason === "" ? null : reason,
          input.itemRef
        ])
        yield* log.append(
          ReturnDispositionSet,
          {
            ...identityOf(row),
            disposition: input.disposition,
            suggested,
            reason: reason === "" ? null : reason
          },
          { eventTime: at, actor: actorOf(operator) }
        )
      })
    )
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  return { grade, setDisposition }
}
