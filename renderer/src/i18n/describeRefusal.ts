import type { MessageKey } from "./de.ts"
import { de } from "./de.ts"
import type { Translate } from "./Translator.ts"

/**
 * A refusal's code in the bench's language; a code newer than this UI falls back to the station's English reason,
 * which is still better than a bare code.
 */
export const describeRefusal = (t: Translate, refusal: { readonly code: string; readonly reason: string }): string => {
  const key = `refusal.${refusal.code}`
  return Object.hasOwn(de, key) ? t(key as MessageKey) : refusal.reason
}

/** The refusal a routed scan's message carries as `code: reason`, or undefined when the message is not one. */
export const parseRefusal = (message: string): { readonly code: string; readonly reason: string } | undefined => {
  const match = /^([a-z][a-z-]*): (.*)$/s.exec(message)
  return match?.[1] === undefined || match[2] === undefined ? undefined : { code: match[1], reason: match[2] }
}
