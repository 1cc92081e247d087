/** Maps a shop's order to the order stations receive, refusing implausible ones. */
import { Bounds } from "../../../core/bounds/Bounds.ts"
import { emailAddressProblem } from "../../../core/bounds/EmailAddress.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Address, Order } from "../../../core/orders/Order.ts"
import type { ConnectorSettings } from "./ConnectorSettings.ts"
import type { ShopOrderDraft } from "./ShopOrderDraft.ts"

/** The order as the station will get it, minus the version the hub numbers, plus how its lines map back. */
export interface MappedOrder {
  readonly order: Omit<Order, "version">
  /** Our line id → the shop's line id, for fulfillments and refunds. */
  readonly shopLines: Readonly<Record<string, string>>
  /** What each unit of a line was paid, in cents: a refund is never above it. */
  readonly paidUnitCents: Readonly<Record<string, number>>
}

export type MapOutcome =
  | { readonly ok: true; readonly mapped: MappedOrder }
  | { readonly ok: false; readonly reason: string }

/**
 * How far a shop's clock may run ahead of the hub's: a change stamped later is refused, and moves no poll cursor. The
 * skew every edge allows a sender's clock (a carrier's scan, a station's event), so the edges agree.
 */
export const shopClockAheadMs = Bounds.clockSkewMs

/**
 * Bounds a real order stays within; anything past them is a broken payload or an attack, not a sale. The connectors
 * hold what a shop answers about an order the hub took (units still open, money refunded) to the same bounds.
 */
export const shopOrderLimits = {
  lines: 200,
  quantity: 999,
  unitPrice: 100_000,
  total: 1_000_000,
  text: 200,
  futureMs: shopClockAheadMs,
  /** 2000-01-01: no shop of ours changed an order before. */
  earliestMs: 946_684_800_000
}

const skuPattern = /^[A-Z0-9][A-Z0-9-]{0,39}$/
const gtinPattern = /^(\d{8}|\d{12,14})$/
const emailPattern = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/
const currencyPattern = /^[A-Z]{3}$/
/** Countries whose customers get German mail when the shop names no locale. */
const germanSpeaking = new Set(["DE", "AT", "CH", "LI", "LU"])

const cents = (amount: number) => Math.round(amount * 100)

/**
 * Control characters (C0, DEL, C1) and line and paragraph separators become spaces: a label printer or a mail header
 * must never receive them, and a name or a street is one line. Bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) are dropped: invisible, they show the text after them reordered (a name mirrored, a street number
 * moved) in the customer's mail and on the tracking page, and no label printer's font has them.
 */
const text = (value: string | undefined) =>
  (value ?? "")
    .replace(/[\p{Cc}\u2028\u2029]/gu, " ")
    .replace(/[\u202A-\u202E\u2066-\u2069]/g, "")
    .trim()

const optionalText = (value: string | undefined) => {
  const cleaned = text(value)
  return cleaned === "" ? undefined : cleaned
}

/** `de-DE`, `de_AT`, `DE` → de; `en-GB` → en; anything else: by the country we ship to. */
export const localeOf = (shopLocale: string | undefined, country: string): Locale => {
  const language = shopLocale?.trim().slice(0, 2).toLowerCase()
  if (language === "de" || language === "en") return language
  return germanSpeaking.has(country) ? "de" : "en"
}

/** The station's order id for a shop order number: `<prefix>-<number>` in the station's alphabet. */
export const orderIdFor = (prefix: string, orderNumber: string): string | undefined => {
  const number = orderNumber
    .toUpperCase()
    .replace(/[^A-Z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
  const id = `${prefix.toUpperCase()}-${number}`
  return number === "" || !/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(id) ? undefined : id
}

const carrierFor = (settings: ConnectorSettings, draft: ShopOrderDraft) => {
  const byKey = new Map(Object.entries(settings.carriers).map(([key, choice]) => [key.toLowerCase(), choice]))
  for (const key of [draft.shippingMethod.code, draft.shippingMethod.title]) {
    const choice = key === undefined ? undefined : byKey.get(key.trim().toLowerCase())
    if (choice !== undefined) return choice
  }
  return settings.defaultCarrier
}

export const lineIdFor = (shopLineId: string) =>
  (shopLineId.split("/").pop() ?? "").replace(/[^A-Za-z0-9-]/g, "").slice(0, 40)

const finite = (value: number) => typeof value === "number" && Number.isFinite(value)

/**
 * The first text field of the draft that holds no text: a shop's broken answer (null, a number where the shop
 * documents a text) passes through a connector's mapping as it came, and must be named, not called on.
 */
const fieldNotText = (draft: ShopOrderDraft): string | undefined => {
  const required: ReadonlyArray<readonly [string, unknown]> = [
    ["order number", draft.orderNumber],
    ["placed-at", draft.placedAt],
    ["currency", draft.currency],
    ["customer id", draft.customer.shopCustomerId],
    ["customer first name", draft.customer.firstName],
    ["customer last name", draft.customer.lastName],
    ["customer e-mail", draft.customer.email],
    ["ship-to name", draft.shipTo.name],
    ["ship-to street", draft.shipTo.street1],
    ["ship-to postal code", draft.shipTo.postalCode],
    ["ship-to city", draft.shipTo.city],
    ["ship-to country", draft.shipTo.country],
    ...draft.lines.map((line, index) => [`line ${index + 1} id`, line.shopLineId] as const)
  ]
  const optional: ReadonlyArray<readonly [string, unknown]> = [
    ["customer locale", draft.customer.locale],
    ["ship-to company", draft.shipTo.company],
    ["ship-to street 2", draft.shipTo.street2],
    ["ship-to region", draft.shipTo.region],
    ["shipping method code", draft.shippingMethod.code],
    ["shipping method title", draft.shippingMethod.title],
    ["location", draft.locationId],
    ["sales channel", draft.salesChannel],
    ...draft.lines.flatMap((line, index) => [
      [`line ${index + 1} SKU`, line.sku] as const,
      [`line ${index + 1} GTIN`, line.gtin] as const
    ])
  ]
  const found =
    required.find(([, value]) => typeof value !== "string") ??
    optional.find(([, value]) => value !== undefined && typeof value !== "string")
  return found === undefined
    ? undefined
    : `${found[0]} is ${found[1] === null ? "null" : `a ${typeof found[1]}`}, not a text`
}

/**
 * Checks a shop order and turns it into the station's. Every number must be finite and plausible (quantities
 * 1–999, unit prices 0–100,000, a paid total 0–1,000,000 that covers what the lines were paid, a change time and a
 * placement time between 2000 and a day ahead of `nowMs`), every line needs a SKU in the station's alphabet, the address a country code and
 * the customer one e-mail address. The first problem found is the reason the order is quarantined; nothing of a
 * refused order reaches a station.
 */
export const mapShopOrder = (draft: ShopOrderDraft, settings: ConnectorSettings, nowMs: number): MapOutcome => {
  const refuse = (reason: string): MapOutcome => ({ ok: false, reason })
  if (draft.withheld !== undefined) return refuse(draft.withheld)
  const notText = fieldNotText(draft)
  if (notText !== undefined) return refuse(notText)
  // The key the hub keeps the shop's order under and looks it up by: an id, as every connector's answers give it.
  if (
    draft.shopOrderId.length === 0 ||
    draft.shopOrderId.length > Bounds.maxIdChars ||
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(draft.shopOrderId)
  )
    return refuse(`shop order id is not an id of at most ${Bounds.maxIdChars} characters without controls`)
  const orderId = orderIdFor(settings.orderIdPrefix, draft.orderNumber)
  if (orderId === undefined)
    return refuse(`order number "${draft.orderNumber.slice(0, 60)}" cannot become a station order id`)
  if (
    !finite(draft.updatedAtMs) ||
    draft.updatedAtMs < shopOrderLimits.earliestMs ||
    draft.updatedAtMs > nowMs + shopOrderLimits.futureMs
  )
    return refuse(`change time ${draft.updatedAtMs} is not a plausible time`)
  const placedAtMs = Date.parse(draft.placedAt)
  if (Number.isNaN(placedAtMs)) return refuse(`placed-at "${draft.placedAt.slice(0, 60)}" is not a date`)
  // Counted in the customer figures by this time (the repurchase rate): one outside them counted in no window.
  if (placedAtMs < shopOrderLimits.earliestMs || placedAtMs > nowMs + shopOrderLimits.futureMs)
    return refuse(`placed-at ${draft.placedAt.slice(0, 60)} is not a plausible time`)
  if (!currencyPattern.test(draft.currency)) return refuse(`currency "${draft.currency}" is not an ISO 4217 code`)
  if (!finite(draft.totalPaid) || draft.totalPaid < 0 || draft.totalPaid > shopOrderLimits.total)
    return refuse(`paid total ${draft.totalPaid} is not between 0 and ${shopOrderLimits.total}`)
  if (draft.lines.length === 0) return refuse("the order has no line to ship")
  if (draft.lines.length > shopOrderLimits.lines)
    return refuse(`${draft.lines.length} lines are more than ${shopOrderLimits.lines}`)
  const country = text(draft.shipTo.country).toUpperCase()
  if (!/^[A-Z]{2}$/.test(country)) return refuse(`ship-to country "${draft.shipTo.country}" is not an ISO 3166 code`)
  // Taken as the shop wrote it, never cleaned into another address, and refused where a station would refuse it.
  const email = draft.customer.email.trim()
  if (!emailPattern.test(email) || email.length > shopOrderLimits.text || emailAddressProblem(email) !== undefined)
    return refuse(`customer e-mail "${text(email).slice(0, 80)}" is not one address`)
  const shipTo: Address = {
    name: text(draft.shipTo.name).slice(0, shopOrderLimits.text),
    ...(optionalText(draft.shipTo.company) === undefined
      ? {}
      : { company: optionalText(draft.shipTo.company)?.slice(0, shopOrderLimits.text) as string }),
    street1: text(draft.shipTo.street1).slice(0, shopOrderLimits.text),
    ...(optionalText(draft.shipTo.street2) === undefined
      ? {}
      : { street2: optionalText(draft.shipTo.street2)?.slice(0, shopOrderLimits.text) as string }),
    postalCode: text(draft.shipTo.postalCode).slice(0, 20),
    city: text(draft.shipTo.city).slice(0, shopOrderLimits.text),
    ...(optionalText(draft.shipTo.region) === undefined
      ? {}
      : { region: optionalText(draft.shipTo.region)?.slice(0, shopOrderLimits.text) as string }),
    country
  }
  if (shipTo.name === "" || shipTo.street1 === "" || shipTo.city === "")
    return refuse("the shipping address lacks a name, street or city")

  const lines: Array<Order["lines"][number]> = []
  const shopLines: Record<string, string> = {}
  const paidUnitCents: Record<string, number> = {}
  let linesCents = 0
  for (const [index, line] of draft.lines.entries()) {
    const sku = text(line.sku).toUpperCase()
    const where = `line ${index + 1} (${line.shopLineId})`
    if (!skuPattern.test(sku)) return refuse(`${where} has no usable SKU ("${sku.slice(0, 60)}")`)
    if (line.gtin !== undefined && line.gtin !== "" && !gtinPattern.test(line.gtin))
      return refuse(`${where} has a GTIN "${line.gtin.slice(0, 30)}" of the wrong shape`)
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > shopOrderLimits.quantity)
      return refuse(`${where} quantity ${line.quantity} is not a whole number from 1 to ${shopOrderLimits.quantity}`)
    if (!finite(line.paidUnitPrice) || line.paidUnitPrice < 0 || line.paidUnitPrice > shopOrderLimits.unitPrice)
      return refuse(`${where} unit price ${line.paidUnitPrice} is not between 0 and ${shopOrderLimits.unitPrice}`)
    // The shop's own line id (its last path segment: Shopify's GIDs), so a line keeps its id when the shop edits the order.
    const lineId = lineIdFor(line.shopLineId)
    if (lineId === "" || shopLines[lineId] !== undefined) return refuse(`${where} has no line id of its own`)
    // Whole cents, rounded down: the units of a line together never claim more than the shop took for it.
    const unitCents = Math.floor(line.paidUnitPrice * 100 + 1e-6)
    linesCents += unitCents * line.quantity
    lines.push({
      lineId,
      sku,
      ...(line.gtin === undefined || line.gtin === "" ? {} : { gtin: line.gtin }),
      quantity: line.quantity,
      unitPrice: unitCents / 100
    })
    shopLines[lineId] = line.shopLineId
    paidUnitCents[lineId] = unitCents
  }
  if (linesCents > cents(draft.totalPaid))
    return refuse(`the lines were paid ${linesCents / 100} but the order only ${draft.totalPaid} ${draft.currency}`)
  const choice = carrierFor(settings, draft)
  const brand = (draft.salesChannel === undefined ? undefined : settings.brands[draft.salesChannel]) ?? settings.brand
  return {
    ok: true,
    mapped: {
      order: {
        orderId,
        status: draft.state === "on-hold" ? "on-hold" : draft.state === "cancelled" ? "cancelled" : "open",
        brand,
        customer: {
          customerId: `${settings.id}:${draft.customer.shopCustomerId}`.slice(0, 120),
          firstName: text(draft.customer.firstName).slice(0, shopOrderLimits.text),
          lastName: text(draft.customer.lastName).slice(0, shopOrderLimits.text),
          email,
          locale: localeOf(draft.customer.locale, country)
        },
        shipTo,
        serviceLevel: choice.serviceLevel,
        carrier: choice.carrier,
        lines,
        payment: { method: settings.type, currency: draft.currency, total: cents(draft.totalPaid) / 100 },
        placedAt: new Date(placedAtMs).toISOString()
      },
      shopLines,
      paidUnitCents
    }
  }
}
