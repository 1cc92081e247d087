/** Station migration 0108: units the desk decided with no second refund read as `no-refund`, not as held for review. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Before `no-refund` the desk stored a unit it decided with nothing to refund (refunded already, in this return or in
 * another, while this one could no longer be cancelled) as `hold-for-review` at 0, with no refund row, under the words
 * "No second refund: …" (RefundDecisions' `noSecondRefundReason`): shown as held, though no manager could approve it.
 * Those words and the missing refund row tell such a unit from one really held, which has a refund row (or is held
 * for a mismatch, in other words). Their `return.refund-decided` events (version 1, `hold-for-review`) stay as they
 * were: the hub made no claim for them, as it makes none for a `no-refund`.
 */
export const m0108_no_refund_outcome: Migration = {
  id: 108,
  name: "units decided with no second refund read as no-refund",
  statements: [
    `UPDATE return_items SET decision = json_set(decision, '$.outcome', 'no-refund')
     WHERE json_extract(decision, '$.outcome') = 'hold-for-review'
       AND json_extract(decision, '$.reason.en') LIKE 'No second refund: %'
       AND NOT EXISTS (SELECT 1 FROM refunds WHERE refunds.item_ref = return_items.item_ref)`
  ]
}
