/** The configuration of how this station's pack bench packs. */
import type { BrandTemplate } from "../insert/BrandTemplate.ts"
import type { LabelDpi } from "../label/encodeZpl.ts"
import type { NumberSlot } from "../numbering/NumberRanges.ts"

/** How this station's bench packs: its sender, brands, discount rule, label resolution and SSCC numbering. */
export interface PackConfig {
  /** Sender lines for the label, already formatted. */
  readonly shipFrom: ReadonlyArray<string>
  readonly originCountry: string
  /** The default brand, for orders whose brand is not among `brands`. */
  readonly brand: BrandTemplate
  /** Brand templates by their id, which orders name in their `brand` field. */
  readonly brands?: ReadonlyArray<BrandTemplate>
  /** The next-order code for a brand without a discount rule of its own. */
  readonly discountCode: string
  readonly labelDpi?: LabelDpi
  /** With a GS1 company prefix, every parcel gets an SSCC (extension digit + prefix + serial reference). */
  readonly sscc?: { readonly companyPrefix: string; readonly extensionDigit: number }
  /** This station's block of every number range (SSCC serial references here); the whole range when absent. */
  readonly numbering?: NumberSlot
}

/** The SSCC serial references as `number_ranges` names them. */
export const SSCC_RANGE = "sscc"
