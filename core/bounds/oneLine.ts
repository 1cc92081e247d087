/** Outside text made one line for a log or a message: no line break or control of its own. */
import { cutText } from "./cutText.ts"

/**
 * Control and format characters (a line break among them, and the bidi overrides) and line and paragraph separators
 * become a space, and runs of white space one: text from outside (a shop's order id, its words) logged as it came
 * could start a log line of its own, and the operator would read a forged entry as the hub's.
 */
export const oneLine = (text: string) =>
  text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()

/** Outside text as one line of at most `max` characters, the rest cut to `…` (`cutText`). */
export const boundedOneLine = (text: string, max: number) => cutText(oneLine(text), max)

/**
 * Outside text quoted in a message: one line, at most `max` characters (the rest cut to `…`), in double quotes, so a
 * 5 MB value in a setting or a line break in it neither floods nor forges the log.
 */
export const quotedOneLine = (text: string, max = 120) => JSON.stringify(boundedOneLine(text, max))
