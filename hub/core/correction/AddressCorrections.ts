/** The customer's own address correction: what its link opens, and taking a correction to the station and the shop. */
import { Effect } from "effect"
import type { AddressField, Address as CheckedAddress } from "../../../core/address/Address.ts"
import { findCarrier } from "../../../core/address/AddressCarrier.ts"
import { checkAddress } from "../../../core/address/checkAddress.ts"
import { defaultCarrierProfiles } from "../../../core/carrier/CarrierProfile.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Address } from "../../../core/orders/Order.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { NotifySettings } from "../notify/NotifySettings.ts"
import { enqueuePush } from "../shop/PushQueue.ts"
import type { AddressPush } from "../shop/ShopConnector.ts"
import { enqueueShopMessage, ShopStream, shopInboxTopic } from "../shop/ShopMessages.ts"
import { shopAddressOf } from "../shop/shopAddressOf.ts"
import { type StationRef, sendCorrectionTo, stationsWithOrder } from "./CorrectionToStations.ts"

/** The fields the form offers; the country is the order's and cannot be changed here (another country is another shipment). */
export const correctionFields = ["name", "company", "street1", "street2", "postalCode", "city", "region"] as const
export type CorrectionField = (typeof correctionFields)[number]

/** The longest text each field takes: more than any real address line, far less than a probe needs. */
export const maxFieldLength: Readonly<Record<CorrectionField, number>> = {
  name: 100,
  company: 100,
  street1: 100,
  street2: 100,
  postalCode: 16,
  city: 80,
  region: 80
}

/** What the page shows for a link. */
export type CorrectionState =
  /** The order waits for the address: the form. */
  | "form"
  /** A correction was taken (by this link or another of the order's): thank you, with the address. */
  | "corrected"
  /** The shop corrected the address before the customer did. */
  | "released"
  | "cancelled"
  /** A parcel of the order was packed: too late to change where it goes. */
  | "packed"
  | "expired"
  /** Too many refused corrections through this link. */
  | "locked"
  /** The order's address was held again after this link went out: a newer mail carries a newer link. */
  | "replaced"

export interface CorrectionView {
  readonly state: CorrectionState
  readonly orderId: string
  readonly brand: string
  readonly locale: Locale
  /** The address the form starts from, or the corrected one. */
  readonly shipTo: Partial<Address> & { readonly country: string }
  readonly problems: ReadonlyArray<string>
  readonly expiresAtMs: number
}

interface LinkRow {
  readonly order_id: string
  readonly expires_at_ms: number
  readonly attempts: number
  readonly hold_round: number
  readonly address_holds: number
  readonly brand: string
  readonly carrier: string
  readonly site_id: string
  readonly station_id: string
  readonly hold_station_id: string | null
  readonly hold_released_at_ms: number | null
  readonly cancelled_at_ms: number | null
  readonly order_version: number
  readonly ship_to: string | null
  readonly address_problems: string | null
  readonly locale: Locale | null
  readonly corrected: string | null
  readonly parcels: number
}

const loadLink = (tokenHash: string) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const rows = yield* sql.query<LinkRow>(
      `SELECT t.order_id, t.expires_at_ms, t.attempts, t.hold_round, o.address_holds, o.brand, o.carrier, o.site_id, o.station_id, o.hold_station_id,
         o.hold_released_at_ms, o.cancelled_at_ms, o.order_version, o.ship_to, o.address_problems, c.locale,
         (SELECT a.ship_to FROM hub_address_corrections a WHERE a.order_id = t.order_id AND a.hold_round = t.hold_round)
           AS corrected,
         (SELECT COUNT(*) FROM hub_parcels p WHERE p.order_id = t.order_id) AS parcels
       FROM hub_address_tokens t JOIN hub_orders o ON o.order_id = t.order_id
       LEFT JOIN hub_customers c ON c.customer_id = o.customer_id
       WHERE t.token_hash = ?`,
      [tokenHash]
    )
    return rows[0]
  })

const parseAddress = (json: string | null): (Partial<Address> & { readonly country: string }) | undefined => {
  if (json === null) return undefined
  const value = JSON.parse(json) as Partial<Address>
  return { ...value, country: value.country ?? "" }
}

const stateOf = (row: LinkRow, nowMs: number, settings: NotifySettings): CorrectionState => {
  if (Number(row.hold_round) < Number(row.address_holds)) return "replaced"
  if (row.corrected !== null) return "corrected"
  if (row.cancelled_at_ms !== null) return "cancelled"
  if (Number(row.parcels) > 0) return "packed"
  if (row.hold_released_at_ms !== null) return "released"
  if (nowMs >= Number(row.expires_at_ms)) return "expired"
  if (Number(row.attempts) >= settings.addressCorrectionMaxAttempts) return "locked"
  return "form"
}

const viewOf = (row: LinkRow, state: CorrectionState): CorrectionView => ({
  state,
  orderId: row.order_id,
  brand: row.brand,
  locale: row.locale ?? "de",
  shipTo: parseAddress(state === "corrected" ? row.corrected : row.ship_to) ?? { country: "" },
  problems: row.address_problems === null ? [] : (JSON.parse(row.address_problems) as ReadonlyArray<string>),
  expiresAtMs: Number(row.expires_at_ms)
})

/** What a link opens, found by its token's digest; undefined for a link the hub never made. Reading records nothing. */
export const loadCorrectionPage = Effect.fn("AddressCorrections.load")(function* (
  tokenHash: string,
  nowMs: number,
  settings: NotifySettings
) {
  const row = yield* loadLink(tokenHash)
  return row === undefined ? undefined : viewOf(row, stateOf(row, nowMs, settings))
})

/** One refused field, with the message in the customer's language; `field` "" is about the whole address. */
export interface FieldError {
  readonly field: AddressField | ""
  readonly message: string
}

export type CorrectionOutcome =
  | { readonly type: "unknown-link" }
  /** Nothing was taken: the page says why (already corrected, cancelled, packed, expired, locked). */
  | { readonly type: "closed"; readonly view: CorrectionView }
  | { readonly type: "refused"; readonly view: CorrectionView; readonly errors: ReadonlyArray<FieldError> }
  | { readonly type: "taken"; readonly view: CorrectionView; readonly route: "station" | "shop" }

const copy = {
  de: {
    required: (label: string) => `Bitte geben Sie ${label} an.`,
    tooLong: (max: number) => `Höchstens ${max} Zeichen.`,
    control: "Bitte ohne Zeilenumbrüche oder Steuerzeichen.",
    labels: { name: "den Namen", street1: "die Straße mit Hausnummer", postalCode: "die Postleitzahl", city: "den Ort" }
  },
  en: {
    required: (label: string) => `Please enter ${label}.`,
    tooLong: (max: number) => `At most ${max} characters.`,
    control: "Please leave out line breaks and control characters.",
    labels: {
      name: "the name",
      street1: "the street and house number",
      postalCode: "the postal code",
      city: "the city"
    }
  }
} as const

/** The bench's words ask the packer to ask the customer; the customer reads what to do instead. */
const toCustomer: Readonly<Record<Locale, Readonly<Partial<Record<string, string>>>>> = {
  de: {
    "house-number-missing": "Bitte geben Sie die Hausnummer an.",
    "postnummer-missing":
      "Eine Packstation oder Postfiliale stellt nur mit Ihrer DHL-Postnummer zu (6 bis 10 Ziffern): bitte im Adresszusatz angeben.",
    "po-box-refused": "An ein Postfach kann dieser Versanddienst nicht liefern: bitte geben Sie eine Hausanschrift an."
  },
  en: {
    "house-number-missing": "Please add the house number.",
    "postnummer-missing":
      "A Packstation or Postfiliale delivers only with your DHL Postnummer (6 to 10 digits): please enter it in address line 2.",
    "po-box-refused": "This carrier cannot deliver to a post-office box: please give a street address."
  }
}

/**
 * Bounds and characters first (hostile input never reaches the rules), then the station's own address rules for the
 * order's country and carrier, so an address the page takes is one the bench ships.
 */
export const checkCorrection = (
  form: Readonly<Partial<Record<CorrectionField, string>>>,
  country: string,
  carrier: string,
  locale: Locale
): { readonly address: Address | undefined; readonly errors: ReadonlyArray<FieldError> } => {
  const words = copy[locale]
  const errors: Array<FieldError> = []
  const values: Partial<Record<CorrectionField, string>> = {}
  for (const field of correctionFields) {
    const raw = form[field] ?? ""
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(raw)) errors.push({ field, message: words.control })
    else if ([...raw].length > maxFieldLength[field])
      errors.push({ field, message: words.tooLong(maxFieldLength[field]) })
    else if (raw.trim() !== "") values[field] = raw.trim().normalize("NFC")
  }
  if (errors.length > 0) return { address: undefined, errors }
  for (const field of ["name", "street1", "postalCode", "city"] as const) {
    if (values[field] === undefined) errors.push({ field, message: words.required(words.labels[field]) })
  }
  const profile = defaultCarrierProfiles.find((candidate) => candidate.id === carrier)
  const addressCarrier = profile === undefined ? undefined : findCarrier(profile.addressCarrier)
  const checked = checkAddress({ ...values, country } satisfies CheckedAddress, {
    locale,
    ...(addressCarrier === undefined ? {} : { carrier: addressCarrier })
  })
  for (const error of checked.errors) {
    if (errors.some((known) => known.field === error.field)) continue
    errors.push({ field: error.field, message: toCustomer[locale][error.code] ?? error.message })
  }
  if (errors.length > 0) return { address: undefined, errors }
  const address: Address = {
    name: values.name ?? "",
    ...(values.company === undefined ? {} : { company: values.company }),
    street1: values.street1 ?? "",
    ...(values.street2 === undefined ? {} : { street2: values.street2 }),
    postalCode: values.postalCode ?? "",
    city: values.city ?? "",
    ...(values.region === undefined ? {} : { region: values.region }),
    country
  }
  return { address, errors: [] }
}

/**
 * Takes a correction posted through a link, in one transaction: every post counts against the link's attempts
 * (so the form cannot be used to probe addresses), a valid one is stored, every link of the order stops working,
 * the hub's copy of the order changes, and the stations get the correction, numbered by whoever owns the order's
 * versions:
 * - a shop connector brought the order: the hub's shop side counts its versions (hub/core/shop/ShopInbox.ts), so
 *   the correction is `order.address-corrected` with the next of them, on the shop side's stream, and the shop's later
 *   versions follow this one;
 * - else the order's source numbers its versions itself (a shop that publishes to the inbox by itself counts them or
 *   stamps their time), and a version the hub made up (the stored one plus one) would be the source's own next
 *   change's: the station would drop one of the two as "not newer", whichever came second. So the correction carries
 *   no order version: `order.hub-address-correction`, numbered by the hold it answers (one correction per hold, holds
 *   counted up), on the hub's stream to every station that has the order (CorrectionToStations.ts), the one that
 *   held it first, with the address it replaces. The station
 *   keeps it as a fact on top of the order (core/orders/OrderInbound.ts): the source's later versions keep it while
 *   they carry the replaced address, and an address the source sets itself is the order's again. The hub's copy of
 *   the order keeps the source's version, so the source's next version is newer here too. Refusing such corrections
 *   would leave an order held for its address with no way for the customer to answer.
 * The shop itself is told through its
 * connector's durable push queue (kind `address`, one push per hold, applied once, retried while the shop is out of
 * reach, a refusal kept with the shop's reason for a manager); `shop_update` records which push carries it.
 */
export const submitCorrection = Effect.fn("AddressCorrections.submit")(function* (
  tokenHash: string,
  form: Readonly<Partial<Record<CorrectionField, string>>>,
  nowMs: number,
  settings: NotifySettings
) {
  const sql = yield* Sql
  return yield* sql.transaction(
    Effect.gen(function* () {
      const row = yield* loadLink(tokenHash)
      if (row === undefined) return { type: "unknown-link" } as CorrectionOutcome
      const state = stateOf(row, nowMs, settings)
      if (state !== "form") return { type: "closed", view: viewOf(row, state) } as CorrectionOutcome
      yield* sql.execute("UPDATE hub_address_tokens SET attempts = attempts + 1 WHERE token_hash = ?", [tokenHash])
      const before = parseAddress(row.ship_to)
      const country = before?.country ?? ""
      const locale = row.locale ?? "de"
      const checked = checkCorrection(form, country, row.carrier, locale)
      if (checked.address === undefined) {
        const typed: Partial<Address> & { readonly country: string } = { ...form, country }
        return {
          type: "refused",
          view: { ...viewOf({ ...row, attempts: Number(row.attempts) + 1 }, "form"), shipTo: typed },
          errors: checked.errors
        } as CorrectionOutcome
      }
      const shipTo = checked.address
      const shop = yield* sql.query<{
        connector_id: string
        shop_order_id: string
        site_id: string
        version: number
        mapped: string
      }>("SELECT connector_id, shop_order_id, site_id, version, mapped FROM shop_orders WHERE order_id = ?", [
        row.order_id
      ])
      const fromShop = shop[0]
      let version: number
      if (fromShop !== undefined) {
        version = Number(fromShop.version) + 1
        const mapped = JSON.parse(fromShop.mapped) as { order: Record<string, unknown> }
        yield* sql.execute("UPDATE shop_orders SET version = ?, mapped = ?, updated_at_ms = ? WHERE order_id = ?", [
          version,
          JSON.stringify({ ...mapped, order: { ...mapped.order, shipTo } }),
          nowMs,
          row.order_id
        ])
        yield* enqueueShopMessage(
          sql,
          {
            stream: ShopStream.site(fromShop.site_id),
            topic: shopInboxTopic.site(fromShop.site_id, "order.address-corrected"),
            type: "order.address-corrected",
            version,
            payload: { orderId: row.order_id, version, shipTo }
          },
          nowMs
        )
      } else {
        version = Number(row.order_version)
        // Every station that has the order, the one that held it first (an order known from before the hub kept
        // which stations have it is known to the one that held it at least).
        const holder: StationRef = { siteId: row.site_id, stationId: row.hold_station_id ?? row.station_id }
        const known = yield* stationsWithOrder(sql, row.order_id)
        const stations = [
          holder,
          ...known.filter((station) => station.siteId !== holder.siteId || station.stationId !== holder.stationId)
        ]
        for (const station of stations) {
          yield* sendCorrectionTo(
            sql,
            station,
            { orderId: row.order_id, correction: Number(row.hold_round), shipTo, previousShipTo: before },
            nowMs
          )
        }
      }
      let shopUpdate = "none: the order did not come from a shop connector"
      if (fromShop !== undefined) {
        const outgoing = shopAddressOf(shipTo)
        const key = `packbench-address-${row.order_id}-hold-${Number(row.hold_round)}`
        if (!outgoing.ok) {
          shopUpdate = `not sent to ${fromShop.connector_id}: ${outgoing.reason}; correct the order in the shop too`
        } else {
          const push: Omit<AddressPush, "idempotencyKey"> = {
            orderId: row.order_id,
            shopOrderId: fromShop.shop_order_id,
            shipTo
          }
          yield* enqueuePush(
            sql,
            {
              connectorId: fromShop.connector_id,
              kind: "address",
              idempotencyKey: key,
              subject: `${row.order_id}/hold-${Number(row.hold_round)}`,
              orderId: row.order_id,
              groupKey: row.order_id,
              payload: push,
              dueMs: nowMs
            },
            nowMs
          )
          shopUpdate = `queued: address push ${key} to ${fromShop.connector_id}`
        }
      }
      yield* sql.execute(
        `INSERT INTO hub_address_corrections (order_id, hold_round, ship_to, previous_ship_to, order_version, route,
           connector_id, shop_update, corrected_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.order_id,
          Number(row.hold_round),
          JSON.stringify(shipTo),
          row.ship_to,
          version,
          fromShop === undefined ? "station" : "shop",
          fromShop?.connector_id ?? null,
          shopUpdate,
          nowMs
        ]
      )
      yield* sql.execute("UPDATE hub_address_tokens SET used_at_ms = ? WHERE order_id = ? AND used_at_ms IS NULL", [
        nowMs,
        row.order_id
      ])
      yield* sql.execute(
        "UPDATE hub_orders SET ship_to = ?, order_version = ?, address_problems = NULL, updated_at_ms = ? WHERE order_id = ?",
        [JSON.stringify(shipTo), version, nowMs, row.order_id]
      )
      if (fromShop !== undefined) yield* Effect.logInfo(`hub: address of ${row.order_id} corrected: ${shopUpdate}`)
      return {
        type: "taken",
        view: { ...viewOf(row, "corrected"), shipTo },
        route: fromShop === undefined ? "station" : "shop"
      } as CorrectionOutcome
    })
  )
})
