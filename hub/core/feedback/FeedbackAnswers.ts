/** Records a customer's one feedback answer per parcel and decodes what the feedback form posts. */
import { Effect, Schema } from "effect"
import type { Locale } from "../../../core/config/StationConfig.ts"
import { Sql } from "../../../core/store/Sql.ts"

export const maxCommentLength = 2_000

/**
 * The control characters a comment may not hold: every C0 and C1 control but the tab and the line breaks a textarea
 * sends (CR, LF), and the Unicode line and paragraph separators, as the address form refuses them. PostgreSQL cannot
 * store a NUL in text at all, and the others (a terminal's escape) have no place in what the shop's people read.
 */
const controls = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029"

/** The comment without the control characters it may not hold, for the form to offer again. */
export const withoutCommentControls = (comment: string) => comment.replace(new RegExp(`[${controls}]`, "g"), "")

/** What the feedback page's form posts, decoded at the hub's edge. */
export const FeedbackAnswer = Schema.Struct({
  rating: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 })),
  comment: Schema.String.check(Schema.isMaxLength(maxCommentLength), Schema.isPattern(new RegExp(`^[^${controls}]*$`)))
})
export type FeedbackAnswer = typeof FeedbackAnswer.Type

/**
 * One parcel's feedback request as its page shows it, found by the token alone: the order number and the answer
 * if there is one; no name, no address, nothing a forwarded link should tell a stranger.
 */
export interface FeedbackPageView {
  readonly orderId: string
  readonly brand: string
  readonly locale: Locale
  readonly answer: FeedbackAnswer | undefined
}

interface FeedbackRow {
  readonly order_id: string
  readonly rating: number | null
  readonly comment: string | null
  readonly brand: string | null
  readonly locale: Locale | null
}

export const loadFeedbackPage = Effect.fn("FeedbackAnswers.load")(function* (token: string) {
  const sql = yield* Sql
  const rows = yield* sql.query<FeedbackRow>(
    `SELECT f.order_id, f.rating, f.comment, o.brand, c.locale FROM hub_feedback f
     LEFT JOIN hub_orders o ON o.order_id = f.order_id
     LEFT JOIN hub_customers c ON c.customer_id = o.customer_id
     WHERE f.token = ?`,
    [token]
  )
  const row = rows[0]
  if (row === undefined) return undefined
  const view: FeedbackPageView = {
    orderId: row.order_id,
    brand: row.brand ?? "",
    locale: row.locale ?? "de",
    answer: row.rating === null ? undefined : { rating: Number(row.rating), comment: row.comment ?? "" }
  }
  return view
})

export type FeedbackOutcome = "recorded" | "already-answered" | "unknown-token"

/**
 * Stores the answer once: the first one counts, a second post (a double click, the back button, a second device)
 * changes nothing and is told so. The guard is in the UPDATE itself, so two posts racing cannot both win.
 */
export const recordFeedbackAnswer = Effect.fn("FeedbackAnswers.record")(function* (
  token: string,
  answer: FeedbackAnswer,
  nowMs: number
) {
  const sql = yield* Sql
  const comment = answer.comment.trim()
  const updated = yield* sql.execute(
    "UPDATE hub_feedback SET rating = ?, comment = ?, answered_at_ms = ? WHERE token = ? AND answered_at_ms IS NULL",
    [answer.rating, comment === "" ? null : comment, nowMs, token]
  )
  if (updated.changes > 0) return "recorded" as FeedbackOutcome
  const known = yield* sql.query("SELECT 1 AS found FROM hub_feedback WHERE token = ?", [token])
  return (known.length > 0 ? "already-answered" : "unknown-token") as FeedbackOutcome
})
