import type { ElementString } from "./gs1/parseElementString.ts"
import type { PackbenchCodeType } from "./PackbenchCode.ts"
import type { CarrierId, CheckDigitState } from "./trackingNumber.ts"

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
      readonly carrier: CarrierId
      readonly checkDigit: CheckDigitState
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
