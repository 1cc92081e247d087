import type { Locale } from "../../../core/api/StationApi.ts"
import { ApiCallError } from "../api/ApiCallError.ts"
import { de, type MessageKey, type Messages } from "./de.ts"
import { en } from "./en.ts"

export const messages: Readonly<Record<Locale, Messages>> = { de, en }

/** A value for a `{name}` placeholder; a text the station has in both languages (a catalog name) shows in the bench's. */
export type MessageParam = string | number | Readonly<Record<Locale, string>>

export type Translate = (key: MessageKey, params?: Readonly<Record<string, MessageParam>>) => string

export const makeTranslator =
  (locale: Locale): Translate =>
  (key, params) =>
    messages[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params !== undefined && Object.hasOwn(params, name) ? params[name] : undefined
      return value === undefined ? whole : typeof value === "object" ? value[locale] : String(value)
    })

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(de, key)

/**
 * What to tell a person about a failed call: the translation of a known error code, else the station's English
 * message (a code newer than this UI is still better than nothing); a lost transport has no code at all.
 */
export const describeError = (t: Translate, error: unknown): string => {
  if (error instanceof ApiCallError) {
    const key = `error.${error.code}`
    return isMessageKey(key) ? t(key) : error.message
  }
  return t("error.transport")
}
