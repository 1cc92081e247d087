/**
 * What the label printer can print: a named set or a predicate over one character (one code point).
 * "latin" is Basic Latin, Latin-1 Supplement and Latin Extended-A (U+0020–U+017F without the C1 controls),
 * the repertoire of the usual label printers' Latin code pages; "any" accepts every printable character.
 */
export type Charset = "latin" | "any" | ((character: string) => boolean)

const isControl = (codePoint: number): boolean => codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)

const isLatin = (character: string): boolean => {
  const codePoint = character.codePointAt(0) ?? 0
  return codePoint <= 0x17f && !isControl(codePoint)
}

const isPrintable = (character: string): boolean => !isControl(character.codePointAt(0) ?? 0)

const predicateOf = (charset: Charset): ((character: string) => boolean) =>
  charset === "latin" ? isLatin : charset === "any" ? isPrintable : charset

/** The distinct characters of `value` the charset cannot print, in order of appearance. */
export const unprintableCharacters = (value: string, charset: Charset): ReadonlyArray<string> => {
  const printable = predicateOf(charset)
  // NFC first: a decomposed "ü" (u + U+0308) is printable as the precomposed character a Latin-1 printer has.
  return [...new Set([...value.normalize("NFC")].filter((character) => !printable(character)))]
}
