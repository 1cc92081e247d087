/** The refusal codes and texts the pack bench answers wrong input with. */
import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"

/**
 * Why the bench refused an input. Stable: the UI translates them and exception events carry them, so a code is only
 * ever added, never renamed.
 */
export const RefusalCode = Schema.Literals([
  "order-unknown",
  "order-cancelled",
  "order-on-hold",
  "order-address-hold",
  "order-already-packed",
  "order-already-open",
  "order-in-progress",
  "no-order-open",
  "scan-unreadable",
  "item-unknown",
  "wrong-item",
  "other-order-item",
  "surplus",
  "serial-missing",
  "lot-missing",
  "duplicate-serial",
  "nothing-to-count",
  "quantity-invalid",
  "quantity-needs-scans",
  "nothing-to-undo",
  "manager-required",
  "line-unknown",
  "line-complete",
  "reason-required",
  "not-all-verified",
  "parcel-empty",
  "box-unknown",
  "no-box",
  "weight-invalid",
  "weight-out-of-tolerance",
  "box-overweight",
  "no-weight",
  "parcel-closed",
  "label-pending",
  "tracking-range-exhausted",
  "label-content",
  "no-batch-open",
  "batch-open",
  "batch-empty",
  "parcel-unknown",
  "parcel-not-packed",
  "parcel-other-carrier",
  "parcel-already-scanned",
  "order-changed",
  "label-address-outdated",
  "weight-unknown",
  "order-cancelled-after-packing",
  "parcel-lines-outdated",
  "shipment-not-cancelled",
  "label-refused",
  "label-unprintable",
  "item-beyond-bounds"
])
export type RefusalCode = typeof RefusalCode.Type

/**
 * Every refusal's English reason, per code and variant (a code refused for different facts has several). `{name}`
 * marks a fact the refusal carries in `params`, so the UI words the same facts in its own language
 * (`refusal.<code>.<variant>` in renderer/src/i18n) and logs, the CLI and exception events keep the English
 * sentence. Like codes, variants are only ever added.
 */
export const refusalReasons = {
  "order-unknown": {
    station: "No order {orderId} at this station",
    tote: "Tote {toteId} is not assigned to an order",
    gone: "Order {orderId} is no longer at this station: put the items back"
  },
  "order-cancelled": {
    reason: "Order {orderId} was cancelled: do not pack it",
    whileOff: "Order {orderId} was cancelled while the station was off: put the items back"
  },
  "order-on-hold": { reason: "Order {orderId} is on hold: put it aside for the office" },
  "order-address-hold": {
    reason: "Order {orderId} waits for the customer to correct the address",
    checked: "The address of order {orderId} cannot be shipped to: {problems}. The customer is asked to correct it."
  },
  "order-already-packed": {
    reason: "Order {orderId} is already {orderStatus}",
    changed: "Order {orderId} is {orderStatus} now: it changed while it was being packed",
    gone: "Order {orderId} is gone now: it changed while it was being packed"
  },
  "order-already-open": { reason: "Order {orderId} is already open" },
  "order-in-progress": { reason: "Finish or abandon order {current} before starting {orderId}" },
  "no-order-open": { reason: "Scan an order (pick slip or tote) first" },
  "scan-unreadable": {
    reason: "The code did not read correctly",
    detail: "{detail}",
    notACode:
      "Not a code this station knows (no GTIN, GS1 code, tracking number, Packbench code or known SKU): scan the label again or type the code (F6)",
    checkDigit: "The check digit of {gtin} does not hold, the code was misread: scan again or type the code (F6)"
  },
  "item-unknown": {
    orderLine: "Order {orderId} has {sku}, which is not in the catalog",
    gtin: "GTIN {gtin} is not in the catalog",
    sku: "SKU {sku} is not in the catalog",
    noGtin: "The GS1 code carries no GTIN (AI 01)",
    notItem: "A {kind} code is not an item"
  },
  "wrong-item": { reason: "{name} ({sku}) is not part of order {orderId}" },
  "other-order-item": { reason: "{name} ({sku}) belongs to order {otherOrderId}, not {orderId}" },
  surplus: {
    order: "Order {orderId} needs only {wanted} of {sku}: this one is extra",
    line: "Order line {lineId} ({sku}) needs only {room} more, not {total}"
  },
  "serial-missing": { reason: "{sku} needs its serial number: scan the code that includes it" },
  "lot-missing": { reason: "{sku} needs its batch/lot number: scan the code that includes it" },
  "duplicate-serial": { reason: "Serial {serial} of {sku} was already packed" },
  "nothing-to-count": { reason: "Scan one of the items first, then type how many" },
  "quantity-invalid": { reason: "{total} is not a number of items" },
  "quantity-needs-scans": { reason: "Each {sku} has its own serial: scan every unit" },
  "nothing-to-undo": { reason: "No item scan to undo" },
  "manager-required": { reason: "Only a manager may short-ship: call one to scan their badge" },
  "line-unknown": { reason: "Order has no line {lineId}" },
  "line-complete": { reason: "Line {lineId} is already complete" },
  "reason-required": { reason: "Say why the line ships short" },
  "not-all-verified": {
    box: "Verify every item before choosing the box",
    weight: "Verify every item before weighing",
    label: "Not verified yet: {units} left, first {name} ({sku}) – scan them, or short-ship the rest (manager)"
  },
  "parcel-empty": { reason: "Every line was short-shipped: there is nothing to pack" },
  "box-unknown": { reason: "No box {box} at this bench" },
  "no-box": { weight: "Choose the box before weighing", label: "Choose the box first" },
  "weight-invalid": { reason: "{grams} g is not a weight" },
  "weight-out-of-tolerance": {
    reason:
      "The parcel weighs {grams} g but should weigh {expectedGrams} g (± {toleranceGrams} g): check for a missing or extra item"
  },
  "box-overweight": { reason: "{grams} g is more than box {boxId} takes ({maxGrams} g)" },
  "no-weight": { reason: "Weigh the parcel first: take the scale's weight once it is stable, or type the grams" },
  "parcel-closed": { reason: "The parcel is labelled: void it to change it" },
  "label-pending": {
    noCarrier: "This station has no carrier {carrier} set up",
    carrier: "{message}",
    handover: "Parcel {parcelId} still waits for its {carrier} label: keep it at the bench until the label prints",
    withdrawn:
      "The packing was left while the label for parcel {parcelId} was being asked for: its request is withdrawn. Complete the parcel again",
    apiGone:
      "{carrier} is no longer set up at this station for the web service the label of parcel {parcelId} (order {orderId}) was asked from, and that request may have reached it: a shipment may exist there. The parcel is not labelled from the station's own numbers: keep it at the station until the carrier's web service is set up again, or have a manager void it"
  },
  "tracking-range-exhausted": { reason: "{message}" },
  "label-content": {
    label: "{message}",
    insert: "Insert: {message}",
    customs:
      "The parcel leaves the EU and {skus} has no customs data: add HS code, origin and customs description to the catalog"
  },
  "no-batch-open": { scan: "Open a handover batch first", close: "No handover batch is open" },
  "batch-open": { reason: "Batch {batchId} for {carrier} is still open: close it first" },
  "batch-empty": { reason: "Batch {batchId} has no parcels: scan them first" },
  "parcel-unknown": { reason: "No parcel with tracking number or code {code} at this station" },
  "parcel-not-packed": {
    status: "Parcel {parcelId} is {parcelStatus}: it cannot be handed over",
    batch: "Parcel {parcelId} is in batch {batchId}: it cannot be handed over"
  },
  "parcel-other-carrier": {
    reason: "Parcel {parcelId} goes with {carrier}, not {batchCarrier}: put it with its carrier"
  },
  "parcel-already-scanned": { reason: "Parcel {parcelId} is already in this batch" },
  "order-changed": {
    status: "Order {orderId} is {orderStatus} now: put the items aside for the office",
    edited: "The shop changed order {orderId} while the station was off: scan it again"
  },
  "label-address-outdated": {
    handover:
      "The address of order {orderId} was corrected after parcel {parcelId} was labelled: it must not leave with the old address. A manager voids the parcel, then pack it again so a label with the corrected address prints",
    batch:
      "The address of order {orderId} was corrected after parcel {parcelId} was scanned: it is off this batch, take it back out of the cage. A manager voids the parcel, then pack it again so a label with the corrected address prints",
    reprint:
      "The address of order {orderId} was corrected after parcel {parcelId} was labelled: its label has the old address. A manager voids the parcel, then pack it again so a label with the corrected address prints",
    pending:
      "The address of order {orderId} was corrected while parcel {parcelId} waited for its label: the label for the old address was not printed. A manager voids the parcel, then pack it again so a label with the corrected address prints",
    withheld:
      "The address of order {orderId} was corrected while parcel {parcelId} waited for its label, and no request for the label has reached the carrier: no label for the old address is asked for. A manager voids the parcel, then pack it again so a label with the corrected address prints"
  },
  "item-beyond-bounds": {
    orderLine:
      "Order {orderId} has {sku}, whose catalog entry an older version stored beyond today's bounds ({fields}): it is not used. Put the order aside; the shop must send the item again",
    scan: "The catalog entry of {sku} was stored by an older version beyond today's bounds ({fields}): it is not used. Put the item aside; the shop must send the item again"
  },
  "weight-unknown": {
    item: "The catalog says {sku} weighs {itemGrams} g, which cannot be: the parcel's weight cannot be checked. Undo its scans and have a manager ship it later; the shop must correct the item",
    box: "Box {boxId} is recorded with a tare of {tareGrams} g and a limit of {maxGrams} g, which cannot be: choose another box; the shop must correct it"
  },
  "order-cancelled-after-packing": {
    handover:
      "Order {orderId} was cancelled after parcel {parcelId} was packed: it must not leave. Give the parcel to a manager to void it, then put the items back",
    batch:
      "Order {orderId} was cancelled after parcel {parcelId} was scanned: it is off this batch, take it back out of the cage. Give the parcel to a manager to void it, then put the items back",
    reprint:
      "Order {orderId} was cancelled after parcel {parcelId} was packed: its label does not print again. Give the parcel to a manager to void it, then put the items back",
    pending:
      "Order {orderId} was cancelled while parcel {parcelId} waited for its label: the label was not printed. Give the parcel to a manager to void it, then put the items back",
    withheld:
      "Order {orderId} was cancelled while parcel {parcelId} waited for its label, and no request for the label has reached the carrier: it is not asked for. Give the parcel to a manager to void it, then put the items back"
  },
  "parcel-lines-outdated": {
    handover:
      "The shop changed the items of order {orderId} after parcel {parcelId} was packed: it must not leave with the old items. A manager voids the parcel, then pack the order again",
    batch:
      "The shop changed the items of order {orderId} after parcel {parcelId} was scanned: it is off this batch, take it back out of the cage. A manager voids the parcel, then pack the order again",
    reprint:
      "The shop changed the items of order {orderId} after parcel {parcelId} was packed: its label does not print again. A manager voids the parcel, then pack the order again",
    pending:
      "The shop changed the items of order {orderId} while parcel {parcelId} waited for its label: the label was not printed. A manager voids the parcel, then pack the order again",
    withheld:
      "The shop changed the items of order {orderId} while parcel {parcelId} waited for its label, and no request for the label has reached the carrier: it is not asked for. A manager voids the parcel, then pack the order again"
  },
  "label-refused": {
    pending:
      "{carrier} refused the label of parcel {parcelId} (order {orderId}): {message}. No shipment was made, and the label is not asked for again: a manager voids the parcel, then pack the order again once the cause is put right",
    handover: "{carrier} refused the label of parcel {parcelId}: it gets none. Give the parcel to a manager to void it"
  },
  "label-unprintable": {
    pending:
      "{carrier} made shipment {trackingNumber} for parcel {parcelId} (order {orderId}), but its label cannot be printed: {message}. The label is not asked for again: a manager voids the parcel, which cancels the shipment at the carrier, then pack the order again once the cause is put right",
    handover:
      "The label {carrier} made for parcel {parcelId} cannot be printed: it gets none. Give the parcel to a manager to void it"
  },
  "shipment-not-cancelled": {
    refused:
      "{carrier} refused to cancel shipment {trackingNumber} (parcel {parcelId}): {message}. The shipment is still live at the carrier: cancel it in the carrier's portal. The station keeps asking, and stops once the carrier has no live shipment under the number",
    byHand:
      "{carrier} is not set up at this station to cancel shipments through its web service (its setup changed since parcel {parcelId} was labelled): the station cannot cancel shipment {trackingNumber}, which is still live at the carrier. Cancel it in the carrier's portal. The station looks again, and cancels it itself once the carrier's web service is set up again",
    byHandKey:
      "{carrier} is not set up at this station to cancel shipments through its web service (its setup changed since the label of parcel {parcelId} was asked for): the station cannot cancel the shipment the carrier may have made for parcel {parcelId} (order {orderId}). Look it up in the carrier's portal by the parcel's id and cancel it. The station looks again, and cancels it itself once the carrier's web service is set up again"
  }
} as const satisfies { readonly [C in RefusalCode]: Readonly<Record<string, string>> }

/** A fact a refusal names: text, a number, or a name the catalog has in both languages (an item's). */
export const RefusalParam = Schema.Union([Schema.String, Schema.Number, LocalizedText])
export type RefusalParam = typeof RefusalParam.Type

export const RefusalParams = Schema.Record(Schema.String, RefusalParam)

export const Refusal = Schema.Struct({
  code: RefusalCode,
  /** Which of the code's reasons (a key of `refusalReasons[code]`). */
  variant: Schema.String,
  /** The facts the reason names, one per `{name}` of its template. */
  params: RefusalParams,
  /** The English sentence, for logs, the CLI and exception events. */
  reason: Schema.String,
  /** The order a wrongly scanned item belongs to, for "item from another open order". */
  otherOrderId: Schema.optionalKey(Schema.String)
})
export type Refusal = typeof Refusal.Type

type Placeholders<Text extends string> = Text extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never

type Variant<C extends RefusalCode> = keyof (typeof refusalReasons)[C] & string

type ParamsOf<C extends RefusalCode, V extends Variant<C>> = [
  Placeholders<(typeof refusalReasons)[C][V] & string>
] extends [never]
  ? Readonly<Record<string, never>>
  : { readonly [P in Placeholders<(typeof refusalReasons)[C][V] & string>]: RefusalParam }

const englishOf = (param: RefusalParam): string => (typeof param === "object" ? param.en : String(param))

/**
 * A refusal with exactly the facts its reason names (the compiler checks them against the template) and its
 * English sentence built from them.
 */
export const makeRefusal = <C extends RefusalCode, V extends Variant<C>>(
  code: C,
  variant: V,
  params: ParamsOf<C, V>,
  otherOrderId?: string
): Refusal => {
  const template: string = (refusalReasons[code] as Record<string, string>)[variant]!
  const facts = params as Readonly<Record<string, RefusalParam>>
  const reason = template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(facts, name) ? englishOf(facts[name]!) : whole
  )
  return {
    code,
    variant,
    params: facts,
    reason,
    ...(otherOrderId === undefined ? {} : { otherOrderId })
  }
}
