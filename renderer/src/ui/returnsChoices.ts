/** The grades, dispositions and outcomes the returns screen offers, and which item to grade next. */
import type { ApiInput, ReturnsView } from "../../../core/api/StationApi.ts"

export type ReturnCase = NonNullable<ReturnsView["current"]>
export type ReturnItem = ReturnCase["items"][number]
export type Grade = ApiInput<"returns.grade">["grade"]
export type Disposition = ApiInput<"returns.setDisposition">["disposition"]
export type Outcome = ApiInput<"returns.override">["outcome"]

/** Key 1 to 6, best condition first: the order is what the clerk learns by heart, so it never changes. */
export const gradeKeys: ReadonlyArray<Grade> = [
  "new-sealed",
  "opened-like-new",
  "signs-of-use",
  "damaged",
  "wrong-item",
  "missing-parts"
]

/** Key 1 to 5, from back-on-the-shelf to the bin. */
export const dispositionKeys: ReadonlyArray<Disposition> = [
  "restock",
  "refurbish",
  "return-to-vendor",
  "liquidate",
  "dispose"
]

export const outcomes: ReadonlyArray<Outcome> = [
  "refund-full",
  "refund-partial",
  "exchange",
  "store-credit",
  "hold-for-review"
]

/** The outcome a manager's override starts from: the unit's own, when an override can give it. */
export const overrideStart = (decided: string | undefined): Outcome =>
  outcomes.find((outcome) => outcome === decided) ?? "refund-full"

/** The item the next grade key applies to: the newest one not graded yet, else the newest one not decided. */
export const gradingTarget = (items: ReadonlyArray<ReturnItem>): ReturnItem | undefined =>
  items.findLast((item) => item.grade === null) ?? items.findLast((item) => item.decision === null)
