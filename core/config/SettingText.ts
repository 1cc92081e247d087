/** Free text a setting holds (a station's name, a broker login, a file's path): one line of a plausible length. */
import { Schema } from "effect"
import { quotedOneLine } from "../bounds/oneLine.ts"

/** Line breaks and every other control or format character (bidi overrides too): no setting's text needs one. */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

/** The first control character in `text` as a person can find it (`U+000A at character 10`), or undefined. */
export const controlCharacterIn = (text: string, control: RegExp = CONTROL): string | undefined => {
  const found = control.exec(text)
  if (found === null) return undefined
  const code = found[0].codePointAt(0) ?? 0
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")} at character ${found.index + 1}`
}

/**
 * What is wrong with `text` as a setting of one line of 1 to `max` characters, or undefined. A secret's value is never
 * repeated (the message goes to a log), only its length or where its bad character is; `shown` is what a message
 * quotes instead of the value (a URL without its password).
 */
export const settingTextProblem = (
  text: string,
  max: number,
  options: { readonly secret?: boolean; readonly shown?: string } = {}
): string | undefined => {
  const shown = (cut: number) =>
    options.secret === true ? "(a secret, not shown)" : quotedOneLine(options.shown ?? text, cut)
  if (text.length === 0 || text.length > max) {
    return `expected one line of 1 to ${max} characters, got ${text.length} characters${text.length === 0 ? "" : `: ${shown(40)}`}`
  }
  const control = controlCharacterIn(text)
  return control === undefined
    ? undefined
    : `expected one line without line breaks or other control characters, got ${control} of ${shown(60)}`
}

/** A setting's text of 1 to `max` characters on one line (`settingTextProblem`). */
export const SettingText = (max: number) =>
  Schema.String.check(Schema.makeFilter((text: string) => settingTextProblem(text, max)))

/** A secret setting's text of 1 to `max` characters on one line, whose value no message repeats. */
export const SecretSettingText = (max: number) =>
  Schema.String.check(Schema.makeFilter((text: string) => settingTextProblem(text, max, { secret: true })))
