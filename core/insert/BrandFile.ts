/** Decodes a brand file (texts, logo, return URL, discount rule) and picks an order's brand. */
import { Effect, Schema } from "effect"
import { type DecodeProblem, decodeStrict } from "../decode/DecodeProblem.ts"
import type { BrandTemplate } from "./BrandTemplate.ts"
import type { MonochromeBitmap } from "./InsertDocument.ts"

const Text = Schema.String.check(Schema.isMinLength(1))

const Texts = Schema.Struct({
  thankYou: Text,
  itemsHeading: Text,
  careHeading: Text,
  returnHeading: Text,
  returnHint: Text,
  discountLine: Text,
  footer: Text
})

/**
 * One brand's insert as a file in `fixtures/data/brands/`. The logo is pixel art, one string per row (`#` black,
 * `.` white), so a reviewer sees the picture in the diff. Care hints come from the catalog; `careHints` only overrides
 * them for a brand. The discount code is `discount.pattern` with `{orderId}` (digits only) filled in.
 */
export const BrandFile = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/)),
  brandName: Text,
  logo: Schema.optionalKey(
    Schema.Array(Schema.String.check(Schema.isPattern(/^[#.]{8,576}$/))).check(Schema.isMinLength(1))
  ),
  texts: Schema.Struct({ de: Texts, en: Texts }),
  careHints: Schema.optionalKey(Schema.Record(Schema.String, Schema.Struct({ de: Text, en: Text }))),
  returnUrl: Schema.String.check(Schema.isPattern(/^https:\/\/\S+$/)),
  discount: Schema.Struct({
    pattern: Schema.String.check(Schema.isPattern(/^[A-Z0-9{}a-zA-Z-]+$/)),
    percent: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 90 }))
  })
})
export type BrandFile = typeof BrandFile.Type

export class BrandFileError extends Schema.TaggedError<BrandFileError>()("BrandFileError", {
  file: Schema.String,
  brand: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {
  get description() {
    return `Brand file ${this.file} (brand ${this.brand}), field ${this.field}: ${this.message}`
  }
}

const logoBitmap = (rows: ReadonlyArray<string>): MonochromeBitmap | string => {
  const width = rows[0]!.length
  const uneven = rows.findIndex((row) => row.length !== width)
  if (uneven !== -1) return `row ${uneven} is ${rows[uneven]!.length} pixels wide, row 0 is ${width}`
  const bytesPerRow = Math.ceil(width / 8)
  const bits = new Uint8Array(bytesPerRow * rows.length)
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) if (row[x] === "#") bits[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7)
  })
  return { width, height: rows.length, bits }
}

const placeholders = (text: string) => [...text.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]!)

/**
 * Decodes one brand file into the insert template: every problem is reported with the file, the brand and the field,
 * so whoever edits the file finds the mistake without reading code.
 */
export const decodeBrandFile = (file: string, raw: unknown): Effect.Effect<BrandTemplate, BrandFileError> => {
  const brand =
    typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string"
      ? (raw as { id: string }).id
      : "(no id)"
  const fail = (field: string, message: string) => Effect.fail(new BrandFileError({ file, brand, field, message }))
  return decodeStrict(BrandFile)(raw).pipe(
    Effect.catch((problems: ReadonlyArray<DecodeProblem>) => {
      const first = problems[0]
      return fail(
        first?.path === "" || first === undefined ? "(root)" : first.path,
        problems.map((problem) => `${problem.path === "" ? "" : `${problem.path}: `}${problem.message}`).join("; ")
      )
    }),
    Effect.flatMap((decoded) => {
      const logo = decoded.logo === undefined ? undefined : logoBitmap(decoded.logo)
      if (typeof logo === "string") return fail("logo", logo)
      const unknown = placeholders(decoded.discount.pattern).find((name) => name !== "orderId")
      if (unknown !== undefined) {
        return fail("discount.pattern", `{${unknown}} is not a placeholder; the pattern knows {orderId}`)
      }
      const template: BrandTemplate = {
        id: decoded.id,
        brandName: decoded.brandName,
        ...(logo === undefined ? {} : { logo }),
        texts: decoded.texts,
        careHints: decoded.careHints ?? {},
        returnUrl: decoded.returnUrl,
        discount: decoded.discount
      }
      return Effect.succeed(template)
    })
  )
}

/** The brand an order names, else the default one (the first brand file by name). */
export const brandFor = (brands: ReadonlyArray<BrandTemplate>, fallback: BrandTemplate, brand: string) =>
  brands.find((candidate) => candidate.id === brand) ?? fallback

/** The order's next-order code from its brand's rule: the pattern with the order number's digits. */
export const discountCodeFor = (template: BrandTemplate, orderId: string, fallback: string): string =>
  template.discount === undefined
    ? fallback
    : template.discount.pattern.replace(/\{orderId\}/g, orderId.replace(/\D/g, "")).toUpperCase()
