/** Finds the identifiers (order numbers, return ids, SKUs) in a sentence, so the UI keeps each on one line. */

export interface TextPart {
  readonly text: string
  readonly identifier: boolean
}

/**
 * Capitals and digits joined by hyphens, at least two pieces ("SO-100234", "RET-09-R000001", "ALP-MUG-01"): a
 * browser breaks a line after a hyphen, which splits an order number in two. A word ("E-Mail") has small letters
 * and is left alone.
 */
const IDENTIFIER = /(?<![\p{L}\p{N}-])[A-Z0-9]+(?:-[A-Z0-9]+)+(?![\p{L}\p{N}-])/gu

/** `text` cut into its identifiers and the text between them, in order; no empty parts. */
export const identifierParts = (text: string): ReadonlyArray<TextPart> => {
  const parts: Array<TextPart> = []
  let from = 0
  for (const match of text.matchAll(IDENTIFIER)) {
    if (match.index > from) parts.push({ text: text.slice(from, match.index), identifier: false })
    parts.push({ text: match[0], identifier: true })
    from = match.index + match[0].length
  }
  if (from < text.length) parts.push({ text: text.slice(from), identifier: false })
  return parts
}
