/** Builds a parcel's insert (thank-you, items with care hints, return code, discount) from its brand's template. */
import { Effect, Schema } from "effect"
import type { InsertDocument, MonochromeBitmap } from "./InsertDocument.ts"

export const InsertLocale = Schema.Literals(["de", "en"])
export type InsertLocale = typeof InsertLocale.Type

/**
 * One language's texts. Placeholders in braces are filled from the order: `{firstName}` in
 * `thankYou`, `{code}` in `discountLine`, `{orderId}` anywhere.
 */
export interface BrandTexts {
  readonly thankYou: string
  readonly itemsHeading: string
  readonly careHeading: string
  readonly returnHeading: string
  readonly returnHint: string
  readonly discountLine: string
  readonly footer: string
}

export interface BrandTemplate {
  /** The brand orders name in their `brand` field. */
  readonly id?: string
  readonly brandName: string
  readonly logo?: MonochromeBitmap
  readonly texts: { readonly [L in InsertLocale]: BrandTexts }
  /** Care hints by product SKU, in both languages; products without one get no hint. */
  readonly careHints: Readonly<Record<string, { readonly [L in InsertLocale]: string }>>
  /** The return page; `{orderId}` and `{rma}` are filled in. */
  readonly returnUrl: string
  /** How the next-order discount code is made for an order, and what it is worth. */
  readonly discount?: { readonly pattern: string; readonly percent: number }
}

export interface InsertOrder {
  readonly orderId: string
  readonly locale: InsertLocale
  readonly customerFirstName: string
  /** `careHint` is the catalog's, in the order's language; the brand's own hint for the SKU wins over it. */
  readonly items: ReadonlyArray<{
    readonly sku: string
    readonly name: string
    readonly quantity: number
    readonly careHint?: string
  }>
  readonly rmaToken: string
  readonly discountCode: string
}

export class InsertTemplateError extends Schema.TaggedError<InsertTemplateError>()("InsertTemplateError", {
  field: Schema.String,
  message: Schema.String
}) {}

const fill = (
  field: string,
  template: string,
  values: Readonly<Record<string, string>>
): Effect.Effect<string, InsertTemplateError> => {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).find((name) => !(name in values))
  return unknown === undefined
    ? Effect.succeed(template.replace(/\{([^}]*)\}/g, (_, name: string) => values[name]!))
    : Effect.fail(
        new InsertTemplateError({
          field,
          message: `${field} uses the placeholder {${unknown}}; known are ${Object.keys(values)
            .map((k) => `{${k}}`)
            .join(", ")}`
        })
      )
}

/** Builds the insert for one order in the order's language from the brand's template. */
export const buildInsert = Effect.fn("buildInsert")(function* (
  template: BrandTemplate,
  order: InsertOrder
): Effect.fn.Return<InsertDocument, InsertTemplateError> {
  const texts = template.texts[order.locale]
  if (texts === undefined) {
    return yield* new InsertTemplateError({
      field: "locale",
      message: `locale "${String(order.locale)}" is not one of de, en`
    })
  }
  if (order.customerFirstName.trim() === "") {
    return yield* new InsertTemplateError({ field: "customerFirstName", message: "customerFirstName is empty" })
  }
  const base = { orderId: order.orderId }
  const returnUrl = yield* fill("returnUrl", template.returnUrl, {
    ...base,
    rma: encodeURIComponent(order.rmaToken)
  })
  if (!/^[\x21-\x7e]+$/.test(returnUrl)) {
    return yield* new InsertTemplateError({
      field: "returnUrl",
      message: `returnUrl "${returnUrl}" must be printable ASCII without spaces for the QR code`
    })
  }
  const careHints = order.items.flatMap((item) => {
    const hint = template.careHints[item.sku]?.[order.locale] ?? item.careHint
    return hint === undefined ? [] : [{ product: item.name, hint }]
  })
  return {
    brandName: template.brandName,
    ...(template.logo === undefined ? {} : { logo: template.logo }),
    thankYou: yield* fill("thankYou", texts.thankYou, { ...base, firstName: order.customerFirstName.trim() }),
    itemsHeading: yield* fill("itemsHeading", texts.itemsHeading, base),
    items: order.items.map((item) => ({ quantity: item.quantity, name: item.name })),
    careHeading: yield* fill("careHeading", texts.careHeading, base),
    careHints,
    returnHeading: yield* fill("returnHeading", texts.returnHeading, base),
    returnHint: yield* fill("returnHint", texts.returnHint, base),
    returnUrl,
    discountLine: yield* fill("discountLine", texts.discountLine, { ...base, code: order.discountCode }),
    discountCode: order.discountCode,
    footer: yield* fill("footer", texts.footer, base)
  }
})
