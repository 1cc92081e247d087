/** Translates message keys with placeholders and plurals into the bench's language. */
import type { Locale } from "../../../core/api/StationApi.ts"
import { ApiCallError } from "../api/ApiCallError.ts"
import { de, type MessageKey, type Messages } from "./de.ts"
import { en } from "./en.ts"
import { keepUnitsTogether } from "./keepUnitsTogether.ts"

export const messages: Readonly<Record<Locale, Messages>> = { de, en }

/** A value for a `{name}` placeholder; a text the station has in both languages (a catalog name) shows in the bench's. */
export type MessageParam = string | number | Readonly<Record<Locale, string>>

export type Translate = (key: MessageKey, params?: Readonly<Record<string, MessageParam>>) => string

/**
 * ICU MessageFormat's plural argument, `{count, plural, one {# Paket} other {# Pakete}}`: the branch is chosen by the
 * language's own rules (Intl.PluralRules), `=N` matches a number exactly, `#` stands for the number. Branches may hold
 * `{name}` placeholders but no further plurals.
 */
const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*(?:\{\w+\}[^{}]*)*\})+)\s*\}/g
const BRANCH = /\s*(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*(?:\{\w+\}[^{}]*)*)\}/g

const pluralRules = new Map<Locale, Intl.PluralRules>()
const pluralOf = (locale: Locale, value: number): Intl.LDMLPluralRule => {
  let rules = pluralRules.get(locale)
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale)
    pluralRules.set(locale, rules)
  }
  return rules.select(value)
}

const choosePlural = (locale: Locale, branchesText: string, value: number): string | undefined => {
  const branches = new Map([...branchesText.matchAll(BRANCH)].map((match) => [match[1]!, match[2]!] as const))
  const chosen = branches.get(`=${value}`) ?? branches.get(pluralOf(locale, value)) ?? branches.get("other")
  return chosen?.replaceAll("#", String(value))
}

export const makeTranslator =
  (locale: Locale): Translate =>
  (key, params) => {
    const param = (name: string) => (params !== undefined && Object.hasOwn(params, name) ? params[name] : undefined)
    const text = messages[locale][key]
      .replace(PLURAL, (whole, name: string, branches: string) => {
        const value = param(name)
        return typeof value === "number" ? (choosePlural(locale, branches, value) ?? whole) : whole
      })
      .replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = param(name)
        return value === undefined ? whole : typeof value === "object" ? value[locale] : String(value)
      })
    return keepUnitsTogether(text)
  }

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
