/** Outside text made one line for a log or a message: no line break or control of its own. */

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
