/** Checks the nested parts of a shop's order a mapper walks, so a part missing or of the wrong type is a reason. */
import type { ShopOrderDraft } from "../../core/shop/ShopOrderDraft.ts"

export const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A value as a person reads it in a reason: `missing`, `null`, `a list`, `a number`. */
export const what = (value: unknown) =>
  value === undefined ? "missing" : value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`

/** `where` must be an object (or null when the shop documents it may be); the problem in words otherwise. */
export const needObject = (where: string, value: unknown, nullable = false): string | undefined =>
  isObject(value) || (nullable && value === null) ? undefined : `${where} is ${what(value)}, not an object`

/** `where` must be a list whose entries are objects, each passing `entry`; the first problem in words otherwise. */
export const needList = (
  where: string,
  value: unknown,
  entry: (item: Readonly<Record<string, unknown>>, at: string) => string | undefined = () => undefined
): string | undefined => {
  if (!Array.isArray(value)) return `${where} is ${what(value)}, not a list`
  for (const [index, item] of value.entries()) {
    const at = `${where}[${index}]`
    const problem = isObject(item) ? entry(item, at) : `${at} is ${what(item)}, not an object`
    if (problem !== undefined) return problem
  }
  return undefined
}

/** The first problem of several checks, in order. */
export const firstProblem = (...checks: ReadonlyArray<() => string | undefined>): string | undefined => {
  for (const check of checks) {
    const problem = check()
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * An order whose answer lacks a part the mapper needs: withheld with the reason, so the hub quarantines it for a
 * person (as any refused order) instead of a throw that fails the webhook or stops the catch-up at this order.
 */
export const unreadableOrder = (shopOrderId: unknown, updatedAtMs: number, problem: string): ShopOrderDraft => ({
  shopOrderId: typeof shopOrderId === "string" || typeof shopOrderId === "number" ? String(shopOrderId) : "unknown",
  orderNumber: "",
  updatedAtMs,
  placedAt: "",
  state: "open",
  currency: "",
  totalPaid: Number.NaN,
  customer: { shopCustomerId: "", firstName: "", lastName: "", email: "", locale: undefined },
  shipTo: {
    name: "",
    company: undefined,
    street1: "",
    street2: undefined,
    postalCode: "",
    city: "",
    region: undefined,
    country: ""
  },
  lines: [],
  shippingMethod: { code: undefined, title: undefined },
  locationId: undefined,
  salesChannel: undefined,
  withheld: `the shop's answer cannot be read: ${problem}`
})
