/** Station migration 0106: refunds the hub rejected as a plain duplicate before it could know, worded as what they may be. */
import type { Migration } from "../../store/Migrations.ts"

/** `'text' || <the stored rejection's field> || …` for SQLite, as `duplicateUnitLinesUnknown` (ReturnsInbound) words it. */
const words = (language: "de" | "en") => {
  const other = `json_extract(decision, '$.rejection.otherReturnId') || ' (' ||
      json_extract(decision, '$.rejection.otherStationId') || ')'`
  return language === "de"
    ? `'Keine Erstattung: Retoure ' || ${other} || ' hält diese Einheit schon – auf dieser Position oder, falls der Shop die Positionen des Auftrags neu nummeriert hat, unter der anderen Nummerierung; welches, konnte der Hub nicht erkennen'`
    : `'No refund: return ' || ${other} || ' already holds this unit – on this line or, if the shop numbered the order''s lines anew, under the other numbering; the hub could not tell which'`
}

/**
 * Before hub migration 70 the hub kept no line of a station's decision beside the one it granted the unit on, so its
 * `refund.rejected` said `duplicate-unit` for a duplicate across a renumbering of the order's lines as well, and hubs
 * before `linesKnown` did not say whether they knew. What the hub stores cannot tell them apart afterwards (README,
 * "Conflict rule for refunds across stations"), so every `duplicate-unit` rejection stored before this migration (each
 * came without `linesKnown`) is worded as the station words one now: the other return holds the unit, on this line or
 * under the other numbering. Rejections `duplicate-unit-renumbered` and `paid-amount-exceeded` were told as they were.
 * Which rejection a unit had is read from its `return.refund-rejected` event (an item's refund is rejected once).
 */
export const m0106_rejections_lines_unknown: Migration = {
  id: 106,
  name: "duplicate-unit rejections the hub could not classify, worded as such",
  statements: [
    `UPDATE return_items
     SET decision = json_set(decision, '$.rejection.reason', json_object('de', ${words("de")}, 'en', ${words("en")}))
     WHERE json_extract(decision, '$.rejection.otherReturnId') IS NOT NULL
       AND item_ref IN (SELECT json_extract(payload, '$.itemRef') FROM events
         WHERE type = 'return.refund-rejected' AND json_extract(payload, '$.reason') = 'duplicate-unit')`
  ]
}
