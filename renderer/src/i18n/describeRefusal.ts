/** Words a refusal in the bench's language, falling back to the station's English reason. */
import type { RefusalParam } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "./de.ts"
import { de } from "./de.ts"
import type { MessageParam, Translate } from "./Translator.ts"

/** A refusal as the UI gets it: from a view, from a refused scan's outcome, or parsed out of an older message. */
export interface RefusalText {
  readonly code: string
  readonly reason: string
  readonly variant?: string
  readonly params?: Readonly<Record<string, RefusalParam>>
}

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(de, key)

/**
 * A refusal's code in the bench's language; a code newer than this UI falls back to the station's English reason,
 * which is still better than a bare code.
 */
export const describeRefusal = (t: Translate, refusal: RefusalText): string => {
  const key = `refusal.${refusal.code}`
  return isMessageKey(key) ? t(key) : refusal.reason
}

/** Params that name a status, a kind of code or a carrier, shown in the words the bench uses for them elsewhere. */
const wordedParams: Readonly<Record<string, string>> = {
  orderStatus: "orderStatus",
  parcelStatus: "parcelStatus",
  kind: "kind",
  carrier: "carrier",
  batchCarrier: "carrier"
}

const worded = (t: Translate, name: string, value: RefusalParam): MessageParam => {
  const family = wordedParams[name]
  const key = `${family}.${String(value)}`
  return family !== undefined && typeof value === "string" && isMessageKey(key) ? t(key) : value
}

/**
 * Why exactly the bench refused, in its language: the template for the refusal's code and variant filled with the
 * facts the station sent. A refusal without a template here (a newer station, an API error) keeps the station's
 * English reason.
 */
export const describeRefusalReason = (t: Translate, refusal: RefusalText): string => {
  const key = `refusal.${refusal.code}.${refusal.variant ?? ""}`
  if (refusal.variant === undefined || refusal.params === undefined || !isMessageKey(key)) {
    // A call the flow refused (an API error) has no facts to fill in, but its code may have a sentence of its own.
    const errorKey = `error.${refusal.code}`
    return refusal.variant === undefined && isMessageKey(errorKey) ? t(errorKey) : refusal.reason
  }
  const params = Object.fromEntries(
    Object.entries(refusal.params).map(([name, value]) => [name, worded(t, name, value)])
  )
  return t(key, params)
}

/** The refusal a routed scan's message carries as `code: reason`, or undefined when the message is not one. */
export const parseRefusal = (message: string): RefusalText | undefined => {
  const match = /^([a-z][a-z-]*): (.*)$/s.exec(message)
  return match?.[1] === undefined || match[2] === undefined ? undefined : { code: match[1], reason: match[2] }
}
