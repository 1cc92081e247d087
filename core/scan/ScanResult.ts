/** What identifying a scan yields: its kind and the data read from it. */
import type { ElementString } from "./gs1/parseElementString.ts"
import type { PackbenchCodeType } from "./PackbenchCode.ts"
import type { CarrierId, CheckDigitState } from "./trackingNumber.ts"

/** One carrier a tracking number could belong to, when more than one fits. */
export interface TrackingAlternative {
  readonly carrier: CarrierId
  readonly format: string
  readonly checkDigit: CheckDigitState
}

export const scanKinds = ["gtin", "gs1", "digital-link", "sscc", "tracking", "packbench", "sku", "unknown"] as const
export type ScanKind = (typeof scanKinds)[number]

/**
 * What one raw scan is. This is also the JSON `packbench scan` prints, one object per line, so the field
 * order (`input`, `kind`, `valid`, then the kind's fields) and names are a contract: change only by adding.
 * `input` is the raw scan as received (GS stays the character U+001D). Recognised-but-invalid results
 * carry `valid: false` and a `reason`; GS1 results also list every problem in `errors`.
 */
export type ScanResult =
  | {
      readonly input: string
      readonly kind: "gtin"
      readonly valid: boolean
      /** GTIN-14: UPC-A, EAN-13 and GTIN-8 of one product all give the same value. */
      readonly gtin: string
      readonly reason?: string
    }
  | {
      readonly input: string
      readonly kind: "gs1" | "digital-link" | "sscc"
      readonly valid: boolean
      /** In scan order: path then query for Digital Link. */
      readonly ais: ReadonlyArray<ElementString>
      readonly reason?: string
      readonly errors?: ReadonlyArray<string>
    }
  | {
      readonly input: string
      readonly kind: "tracking"
      readonly valid: boolean
      /** The most likely carrier; `candidates` lists every one that fits, this one first. */
      readonly carrier: CarrierId
      readonly checkDigit: CheckDigitState
      /** The number without spaces, dots and dashes, upper case: as carriers and the station store it. */
      readonly number: string
      /** The format's id in the carrier data (`ups`, `fedex_12`, `usps_impb_c`, `s10`…). */
      readonly format: string
      readonly trackingUrl?: string
      /** S10: the issuing country and its postal operator. */
      readonly country?: string
      readonly post?: string
      /** Present when more than one carrier's format fits (and passes its check digit), most likely first. */
      readonly candidates?: ReadonlyArray<TrackingAlternative>
      /**
       * "check digit not verified: …" where the carrier's number has (or may have) a check digit whose algorithm no
       * public document gives: accepted by its pattern alone (`checkDigit: "none"`), so a mistyped digit passes.
       */
      readonly checkDigitNotVerified?: string
      readonly reason?: string
    }
  | {
      readonly input: string
      readonly kind: "packbench"
      readonly valid: boolean
      readonly type: PackbenchCodeType
      readonly id: string
      /** The order a brand's return page address names next to its return code (`type: "rma"`). */
      readonly orderId?: string
      readonly reason?: string
    }
  | { readonly input: string; readonly kind: "sku"; readonly valid: true; readonly sku: string }
  | { readonly input: string; readonly kind: "unknown"; readonly valid: false; readonly reason: string }
