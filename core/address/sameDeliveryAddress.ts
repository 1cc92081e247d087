/**
 * Whether a shop's address names the same delivery place as one the hub sent it, though the shop echoes it in its
 * own form (Shopify, Shopware and WooCommerce normalise what they are given).
 */
import type { AddressField } from "./Address.ts"

/** The fields that decide where the parcel goes. The region is not among them: a shop adds or rewrites its own
 * province code, and the postal code and city already say where the parcel goes. */
const deciding = ["name", "company", "street1", "street2", "postalCode", "city", "country"] as const

/** Spacing, case and width forgiven; "ß" is "ss", as a shop that writes capitals spells it. An empty field is absent. */
const plain = (value: string | undefined): string =>
  (value ?? "").normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase().replaceAll("ß", "ss")

/** A postal code's letters and digits, whatever spaces or hyphens lay them out ("204 57", "sw1a1aa"). */
const postalDigits = (value: string | undefined): string => plain(value).replace(/[\s-]/g, "")

/**
 * Whether `a` and `b` send a parcel to the same place: their deciding fields equal once spacing, letter case and
 * empty-versus-absent are forgiven, and the postal code's spaces and hyphens. Another street, house number, postal
 * code, city, country or recipient is another address.
 */
export const sameDeliveryAddress = (
  a: { readonly [F in AddressField]?: string | undefined },
  b: { readonly [F in AddressField]?: string | undefined }
): boolean =>
  deciding.every((field) =>
    field === "postalCode" ? postalDigits(a[field]) === postalDigits(b[field]) : plain(a[field]) === plain(b[field])
  )
