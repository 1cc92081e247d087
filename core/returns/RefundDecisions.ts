/** The returns desk's refund decisions: rule decisions per unit, manager overrides and approvals. */
import { Effect, Ref } from "effect"
import type { LocalizedText } from "../catalog/CatalogItem.ts"
import { actorOf } from "../session/Operator.ts"
import type { SessionError } from "../session/SessionError.ts"
import { evaluateRefund, type RefundCase, type ReturnedUnit } from "./evaluateRefund.ts"
import { paidForUnit, paidPerUnit } from "./paidPerUnit.ts"
import type { OutcomeKind } from "./RefundRules.ts"
import {
  declaredReasonFor,
  historyDaysFor,
  type ItemRow,
  type RefundRow,
  returnsError,
  type StoredDecision,
  toReturnsError,
  type WithAt
} from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { ReturnDispositionSet, ReturnRefundDecided } from "./ReturnsEvents.ts"
import type { ManagerSignOff, RefundStatus, SameUnitView } from "./ReturnsView.ts"

/**
 * The items of one return holding a serialised unit scanned before (`first`, the earliest item with its serial): scanned
 * twice on one line, both items are the same unit of that line; scanned once before the shop numbered the order's lines
 * anew and once after, they are on two lines (the item's former one and its new one) and would each be refunded.
 */
const serialsAgain = (items: ReadonlyArray<ItemRow>) => {
  const seen = new Map<string, ItemRow>()
  const again: Array<{ readonly first: ItemRow; readonly item: ItemRow }> = []
  for (const item of items) {
    if (item.serial === null || item.sku === null || item.line_id === null) continue
    const key = JSON.stringify([item.sku, item.serial])
    const first = seen.get(key)
    if (first === undefined) seen.set(key, item)
    else again.push({ first, item })
  }
  return again
}

/** Why one serialised unit cannot be decided while the return can be cancelled: its serial is on two of its items. */
const serialTwice = (returnId: string, first: ItemRow, item: ItemRow) => {
  const where = (row: ItemRow) => `${row.item_ref} (line ${row.line_id}, unit ${row.unit ?? "none"})`
  const renumbered = first.line_id === item.line_id ? "" : ", the shop numbered the order's lines anew in between"
  return `Serial ${item.serial} of ${item.sku} is in return ${returnId} twice: ${where(first)} and ${where(item)}${renumbered}. One unit is refunded once: cancel the return and take the parcel in again`
}

/**
 * Why a unit is decided with nothing to refund in a return that can no longer be cancelled (a refund is decided in it):
 * the same serial is refunded in another return or item (`other`), or was scanned into this return before as `first`.
 */
const noSecondRefundReason = (
  serial: string,
  returnId: string,
  held: { readonly other: SameUnitView } | { readonly first: ItemRow }
) => {
  if ("first" in held || held.other.returnId === returnId) {
    const first = "first" in held ? held.first.item_ref : held.other.itemRef
    return {
      de: `Keine zweite Erstattung: Seriennummer ${serial} wurde schon als Artikel ${first} in diese Retoure gescannt`,
      en: `No second refund: serial ${serial} was already scanned into this return as item ${first}`
    }
  }
  const rma = held.other.rmaId === null ? "" : ` (RMA ${held.other.rmaId})`
  return {
    de: `Keine zweite Erstattung: Seriennummer ${serial} ist schon in Retoure ${held.other.returnId}${rma}, Artikel ${held.other.itemRef}, dort entschieden`,
    en: `No second refund: serial ${serial} is already in return ${held.other.returnId}${rma}, item ${held.other.itemRef}, decided there`
  }
}

/** Where another return holds a serialised unit, in the words of the desk's refusal (English, for the log). */
const whereHeld = (serial: string, sku: string, other: SameUnitView) =>
  `Serial ${serial} of ${sku} is already in return ${other.returnId}${other.rmaId === null ? "" : ` (RMA ${other.rmaId})`}, item ${other.itemRef} (line ${other.lineId ?? "none"}, unit ${other.unit ?? "none"}${other.formerLine ? ", a line the order no longer has: the shop numbered its lines anew since" : ""})`

/**
 * Why a unit another return holds not decided yet is held: one unit is refunded once, and a person decides which of the
 * two returns keeps it (whichever return is decided first claims the unit, so the other meets a refusal).
 */
const heldElsewhereReason = (serial: string, other: SameUnitView) => {
  const rma = other.rmaId === null ? "" : ` (RMA ${other.rmaId})`
  return {
    de: `Seriennummer ${serial} ist schon in Retoure ${other.returnId}${rma}, Artikel ${other.itemRef}, ohne entschiedene Erstattung: ein Stück wird einmal erstattet – prüfen, welche Retoure es behält`,
    en: `Serial ${serial} is already in return ${other.returnId}${rma}, item ${other.itemRef}, with no refund decided for it: one unit is refunded once – check which return keeps it`
  }
}

/**
 * The money side: the rules decide each graded unit once (the refunds table's unique (order, line, unit) is the last
 * guard against paying a unit twice), and only a manager overrides a decision or approves a held one, on record.
 */
export const makeRefundDecisions = (desk: ReturnsDesk) => {
  const {
    sql,
    log,
    clerk,
    manager,
    timeOf,
    activeRules,
    catalogOf,
    loadOrder,
    rmasOf,
    requireOpenReturn,
    refundDecidedIn,
    windowOf,
    sameUnitsOf,
    itemOf,
    identityOf,
    historyOf,
    currentView
  } = desk
  const decide = Effect.fn("ReturnsService.decide")(function* (input: WithAt) {
    const operator = yield* clerk
    const at = yield* timeOf(input)
    const rules = yield* Ref.get(activeRules)
    yield* sql.transaction(
      Effect.gen(function* () {
        const current = yield* requireOpenReturn
        const items = (yield* sql.query<ItemRow>("SELECT * FROM return_items WHERE return_id = ? ORDER BY rowid", [
          current.return_id
        ])).filter((item) => item.decision === null)
        if (items.some((item) => item.grade === null)) {
          return yield* Effect.fail(returnsError("not-graded", "Grade every item before deciding the refund"))
        }
        // A return with a refund decided cannot be cancelled: a unit it must not refund is then decided here with
        // nothing to refund (no refund row) and given a disposition, so the return can be finished.
        const cancellable = !(yield* refundDecidedIn(current.return_id))
        const noSecondRefund = new Map<string, LocalizedText>()
        for (const { first, item } of serialsAgain(items)) {
          if (cancellable) {
            return yield* Effect.fail(returnsError("serial-twice", serialTwice(current.return_id, first, item)))
          }
          noSecondRefund.set(item.item_ref, noSecondRefundReason(item.serial!, current.return_id, { first }))
        }
        const order = current.order_id === null ? undefined : yield* loadOrder(current.order_id)
        // A serial another item of the order's returns here holds is that unit, on whatever line it was taken in:
        // refunded there (or earlier in this return), it is refused here as on its own line, before the shop
        // numbered the lines anew or after; still undecided in another return, it is held for a person. Decided
        // there with no refund, that item got no money and can get none (no refund row to approve or change), so
        // it neither refuses nor holds this one: whether this unit may be refunded is whether any item with its
        // serial was refunded, which the refund rows say.
        const sameUnits = yield* sameUnitsOf(current, new Set(order?.lines.map((line) => line.lineId) ?? []))
        for (const item of items) {
          const decidedThere = sameUnits.get(item.item_ref)?.find((other) => other.refundStatus !== null)
          if (decidedThere !== undefined && item.serial !== null && item.sku !== null) {
            if (!cancellable) {
              noSecondRefund.set(
                item.item_ref,
                noSecondRefundReason(item.serial, current.return_id, { other: decidedThere })
              )
              continue
            }
            return yield* Effect.fail(
              returnsError(
                "already-refunded",
                `${whereHeld(item.serial, item.sku, decidedThere)}, its refund ${decidedThere.refundStatus}: no second refund. Cancel this return and take the parcel in again without it`
              )
            )
          }
        }
        const heldElsewhere = (item: ItemRow) =>
          sameUnits.get(item.item_ref)?.find((other) => other.returnId !== current.return_id && !other.decided)
        const catalog = yield* catalogOf({ skus: items.map((item) => item.sku) })
        const rmas = order === undefined ? [] : yield* rmasOf(order.orderId)
        const window = yield* windowOf(current, at.wallMs)
        const refunded =
          order === undefined
            ? []
            : yield* sql.query<{
                line_id: string
                unit: number
                amount_cents: number
                sku: string | null
                serial: string | null
              }>(
                `SELECT r.line_id, r.unit, r.amount_cents, i.sku, i.serial FROM refunds r
                 LEFT JOIN return_items i ON i.item_ref = r.item_ref WHERE r.order_id = ?`,
                [order.orderId]
              )
        const lineIds = new Set(order?.lines.map((line) => line.lineId) ?? [])
        const refundedOnFormerLines = [
          ...new Set(refunded.flatMap((r) => (lineIds.has(r.line_id) || r.sku === null ? [] : [r.sku])))
        ]
        const paid = order === undefined ? new Map<string, number>() : paidPerUnit(order)
        const eligible = items.filter(
          (item) =>
            order !== undefined &&
            item.line_id !== null &&
            item.unit !== null &&
            JSON.parse(item.flags).length === 0 &&
            heldElsewhere(item) === undefined &&
            !noSecondRefund.has(item.item_ref)
        )
        // A serial none of the units refunded on the former lines had is another physical unit: the rules decide it
        // as any other, while the order has units of the item left to refund (each unit decided takes one).
        const takenOf = new Map<string, number>()
        for (const r of refunded) if (r.sku !== null) takenOf.set(r.sku, (takenOf.get(r.sku) ?? 0) + 1)
        const otherThanFormer = (item: ItemRow) => {
          const sku = item.sku!
          const taken = takenOf.get(sku) ?? 0
          takenOf.set(sku, taken + 1)
          const former = refunded.filter((r) => r.sku === sku && !lineIds.has(r.line_id))
          const ordered = (order?.lines ?? []).filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0)
          return (
            item.serial !== null &&
            former.length > 0 &&
            former.every((r) => r.serial !== null && r.serial !== item.serial) &&
            taken < ordered
          )
        }
        const units = eligible.map(
          (item): ReturnedUnit => ({
            ...(otherThanFormer(item) ? { otherThanRefundedOnFormerLines: true } : {}),
            key: { lineId: item.line_id!, unit: Number(item.unit) },
            sku: item.sku!,
            category: catalog.items.find((c) => c.sku === item.sku)?.category ?? "",
            grade: item.grade!,
            reason: declaredReasonFor(rmas, current.rma_id, item.sku),
            paidCents: order === undefined ? 0 : paidForUnit(order, paid, item.line_id!, item.sku),
            parcelOpened: item.opened === 1
          })
        )
        const refundCase: RefundCase | null =
          order === undefined
            ? null
            : {
                order: {
                  orderId: order.orderId,
                  currency: order.payment.currency,
                  paymentMethod: order.payment.method,
                  totalCents: Math.round(order.payment.total * 100)
                },
                daysSinceDelivery: window.days,
                units,
                history: yield* historyOf(current.customer_id, current.return_id, at.wallMs, historyDaysFor(rules)),
                alreadyRefunded: refunded.map((r) => ({ lineId: r.line_id, unit: Number(r.unit) })),
                alreadyRefundedCents: refunded.reduce((sum, r) => sum + Number(r.amount_cents), 0),
                ...(refundedOnFormerLines.length === 0 ? {} : { refundedOnFormerLines })
              }
        const decisions = refundCase === null ? [] : evaluateRefund(rules, refundCase)
        const currency = order?.payment.currency ?? ""
        for (const item of items) {
          const index = eligible.indexOf(item)
          const decision = decisions[index]
          const unit = units[index]
          if (decision?.outcome === "already-refunded") {
            return yield* Effect.fail(
              returnsError(
                "already-refunded",
                `Line ${item.line_id}, unit ${item.unit} of ${current.order_id} was already decided: no second refund`
              )
            )
          }
          const flags: ReadonlyArray<string> = JSON.parse(item.flags)
          const elsewhere = heldElsewhere(item)
          const noRefund = noSecondRefund.get(item.item_ref)
          // A unit refunded already is decided with nothing to refund; anything that does not match what was shipped
          // goes to a person, whatever the rules would say.
          const stored: StoredDecision =
            noRefund !== undefined
              ? {
                  outcome: "no-refund",
                  amountCents: 0,
                  suggestedCents: 0,
                  currency,
                  ruleId: null,
                  reason: noRefund,
                  suggestedDisposition: "return-to-vendor",
                  facts: null
                }
              : decision !== undefined && refundCase !== null && unit !== undefined
                ? {
                    outcome: decision.outcome as OutcomeKind,
                    amountCents: decision.amountCents,
                    suggestedCents: decision.suggestedCents,
                    currency,
                    ruleId: decision.ruleId,
                    reason: decision.reason,
                    suggestedDisposition: decision.disposition ?? "restock",
                    facts: { ...refundCase, units: [unit], alreadyRefunded: [], alreadyRefundedCents: 0 }
                  }
                : {
                    outcome: "hold-for-review",
                    amountCents: 0,
                    suggestedCents: 0,
                    currency,
                    ruleId: null,
                    reason:
                      order === undefined
                        ? { de: "Unbekannte Retoure: Prüfung", en: "Unknown return: review" }
                        : elsewhere !== undefined && item.serial !== null
                          ? heldElsewhereReason(item.serial, elsewhere)
                          : {
                              de: `Abweichung (${flags.join(", ")}): Prüfung`,
                              en: `Mismatch (${flags.join(", ")}): review`
                            },
                    suggestedDisposition: "return-to-vendor",
                    facts: null
                  }
          yield* sql.execute("UPDATE return_items SET decision = ? WHERE item_ref = ?", [
            JSON.stringify(stored),
            item.item_ref
          ])
          if (order !== undefined && item.line_id !== null && item.unit !== null && stored.outcome !== "no-refund") {
            yield* sql.execute(
              `INSERT INTO refunds (order_id, line_id, unit, item_ref, customer_id, outcome, amount_cents, currency,
                         rule_id, status, decided_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              [
                order.orderId,
                item.line_id,
                item.unit,
                item.item_ref,
                current.customer_id,
                stored.outcome,
                stored.amountCents,
                currency,
                stored.ruleId,
                stored.outcome === "hold-for-review" ? "held" : "decided",
                at.wallMs
              ]
            )
          }
          const identity = identityOf({ ...item, order_id: current.order_id })
          yield* log.append(
            ReturnRefundDecided,
            {
              ...identity,
              outcome: stored.outcome,
              amountCents: stored.amountCents,
              currency,
              ruleId: stored.ruleId,
              reason: stored.reason,
              source: "rules",
              previousOutcome: null
            },
            { eventTime: at, actor: actorOf(operator) }
          )
          if (item.disposition === null) {
            yield* sql.execute("UPDATE return_items SET disposition = ? WHERE item_ref = ?", [
              stored.suggestedDisposition,
              item.item_ref
            ])
            yield* log.append(
              ReturnDispositionSet,
              {
                ...identity,
                disposition: stored.suggestedDisposition,
                suggested: stored.suggestedDisposition,
                reason: null
              },
              { eventTime: at, actor: actorOf(operator) }
            )
          }
        }
      })
    )
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  /** A manager's change of one unit's decision; the amount is capped by what was paid and what is left. */
  const signOff = (
    input: { readonly itemRef: string; readonly reason: string } & WithAt,
    kind: ManagerSignOff["kind"],
    choose: (
      refund: RefundRow,
      stored: StoredDecision
    ) => Effect.Effect<{ outcome: OutcomeKind; requested: number }, ReturnsError | SessionError>
  ) =>
    Effect.gen(function* () {
      const operator = yield* manager
      const at = yield* timeOf(input)
      if (input.reason.trim() === "") return yield* Effect.fail(returnsError("reason-required", "Say why"))
      yield* sql.transaction(
        Effect.gen(function* () {
          const row = yield* itemOf(input.itemRef)
          const refunds = yield* sql.query<RefundRow>("SELECT * FROM refunds WHERE item_ref = ?", [input.itemRef])
          const refund = refunds[0]
          const stored = row.decision === null ? null : (JSON.parse(row.decision) as StoredDecision)
          if (stored?.outcome === "no-refund") {
            return yield* Effect.fail(
              returnsError(
                "nothing-to-refund",
                `${input.itemRef} was decided with no refund (${stored.reason.en}): there is nothing to approve or change`
              )
            )
          }
          if (refund === undefined || stored === null) {
            return yield* Effect.fail(
              returnsError(
                "nothing-to-refund",
                `${input.itemRef} has no order line to refund (decide it first, or it is not in the order)`
              )
            )
          }
          if (refund.status === "issued") {
            return yield* Effect.fail(
              returnsError("already-refunded", `The refund for ${input.itemRef} was already paid out`)
            )
          }
          const choice = yield* choose(refund, stored)
          const order = yield* loadOrder(refund.order_id)
          const paid = order === undefined ? 0 : paidForUnit(order, paidPerUnit(order), refund.line_id, row.sku)
          const others = yield* sql.query<{ total: number | null }>(
            "SELECT SUM(amount_cents) AS total FROM refunds WHERE order_id = ? AND item_ref <> ?",
            [refund.order_id, input.itemRef]
          )
          const left = Math.max(0, Math.round((order?.payment.total ?? 0) * 100) - Number(others[0]?.total ?? 0))
          const amount =
            choice.outcome === "exchange" || choice.outcome === "hold-for-review"
              ? 0
              : Math.max(0, Math.min(Math.round(choice.requested), paid, left))
          const record: ManagerSignOff = {
            badgeId: operator.badgeId,
            name: operator.name,
            atMs: at.wallMs,
            reason: input.reason.trim(),
            kind
          }
          const status: RefundStatus =
            choice.outcome === "hold-for-review" ? "held" : kind === "approval" ? "approved" : "decided"
          yield* sql.execute(
            "UPDATE refunds SET outcome = ?, amount_cents = ?, status = ?, override = ? WHERE item_ref = ?",
            [choice.outcome, amount, status, JSON.stringify(record), input.itemRef]
          )
          const reason = {
            de: `${kind === "approval" ? "Freigegeben" : "Geändert"} von ${operator.name}: ${record.reason}`,
            en: `${kind === "approval" ? "Approved" : "Overridden"} by ${operator.name}: ${record.reason}`
          }
          yield* sql.execute("UPDATE return_items SET decision = ? WHERE item_ref = ?", [
            JSON.stringify({ ...stored, outcome: choice.outcome, amountCents: amount, reason }),
            input.itemRef
          ])
          yield* log.append(
            ReturnRefundDecided,
            {
              ...identityOf(row),
              outcome: choice.outcome,
              amountCents: amount,
              currency: refund.currency,
              ruleId: refund.rule_id,
              reason,
              source: kind === "approval" ? "manager-approval" : "manager-override",
              previousOutcome: refund.outcome
            },
            { eventTime: at, actor: actorOf(operator) }
          )
        })
      )
      return yield* currentView
    })

  const override = Effect.fn("ReturnsService.override")(function* (
    input: {
      readonly itemRef: string
      readonly outcome: OutcomeKind
      readonly amountCents?: number
      readonly reason: string
    } & WithAt
  ) {
    return yield* signOff(input, "override", () =>
      input.outcome === "refund-partial" && input.amountCents === undefined
        ? Effect.fail(returnsError("amount-required", "A partial refund needs the amount"))
        : Effect.succeed({
            outcome: input.outcome,
            requested: input.amountCents ?? Number.MAX_SAFE_INTEGER
          })
    )
  }, Effect.mapError(toReturnsError))

  const approve = Effect.fn("ReturnsService.approve")(function* (
    input: { readonly itemRef: string; readonly reason: string } & WithAt
  ) {
    return yield* signOff(input, "approval", (refund, stored) =>
      refund.status === "held"
        ? Effect.succeed({
            outcome: "refund-full" as const,
            requested: stored.suggestedCents > 0 ? stored.suggestedCents : Number.MAX_SAFE_INTEGER
          })
        : Effect.fail(returnsError("not-held", `${input.itemRef} is not held for review (${refund.status})`))
    )
  }, Effect.mapError(toReturnsError))

  return { decide, override, approve }
}
