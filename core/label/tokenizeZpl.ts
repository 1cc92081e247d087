/**
 * The ZPL II subset Packbench emits and its simulator renders. Names are the commands of the
 * ZPL II Programming Guide without their ^/~ prefix; ^A is "A" because its font name follows it
 * directly (^A0N,30,30 is ^A with font 0).
 */
export const KNOWN_ZPL_COMMANDS: ReadonlySet<string> = new Set([
  "^XA",
  "^XZ",
  "^CI",
  "^PW",
  "^LL",
  "^LH",
  "^FO",
  "^A",
  "^FB",
  "^FH",
  "^FD",
  "^FS",
  "^GB",
  "^BY",
  "^BC",
  "^B2",
  "^BQ",
  "^BX",
  "^PQ",
  "~HS"
])

export type ZplToken =
  | { readonly kind: "command"; readonly name: string; readonly params: string; readonly offset: number }
  /** ^FD data up to (not including) the ^FS that closes it; `closed` is false when no ^FS follows. */
  | { readonly kind: "field"; readonly data: string; readonly closed: boolean; readonly offset: number }
  | { readonly kind: "stray"; readonly text: string; readonly offset: number }

const isLetter = (char: string | undefined): boolean => char !== undefined && /[A-Z@]/i.test(char)

/**
 * Splits a ZPL job into commands. CR and LF between commands are ignored, as the printer does.
 * Field data runs to the next "^FS", so a raw ^ or ~ inside it stays visible to the validator
 * instead of silently starting a new command.
 */
export const tokenizeZpl = (zpl: string): ReadonlyArray<ZplToken> => {
  const tokens: Array<ZplToken> = []
  let i = 0
  while (i < zpl.length) {
    const char = zpl[i]!
    if (char === "\r" || char === "\n") {
      i++
      continue
    }
    if (char !== "^" && char !== "~") {
      const next = zpl.slice(i).search(/[\^~]/)
      const end = next === -1 ? zpl.length : i + next
      const text = zpl.slice(i, end)
      if (text.trim() !== "") tokens.push({ kind: "stray", text, offset: i })
      i = end
      continue
    }
    const twoLetters = zpl.slice(i, i + 3).toUpperCase()
    const name =
      KNOWN_ZPL_COMMANDS.has(twoLetters) || !(twoLetters.startsWith("^A") && !isLetter(zpl[i + 2])) ? twoLetters : "^A"
    if (name === "^FD") {
      const close = zpl.indexOf("^FS", i + 3)
      const data = zpl.slice(i + 3, close === -1 ? zpl.length : close)
      tokens.push({ kind: "field", data, closed: close !== -1, offset: i })
      i = close === -1 ? zpl.length : close
      continue
    }
    const rest = zpl.slice(i + name.length)
    const paramsEnd = rest.search(/[\^~]/)
    const params = (paramsEnd === -1 ? rest : rest.slice(0, paramsEnd)).replace(/[\r\n]/g, "")
    tokens.push({ kind: "command", name, params, offset: i })
    i += name.length + (paramsEnd === -1 ? rest.length : paramsEnd)
  }
  return tokens
}
