/** Recognises post-office boxes and parcel lockers in an address line, in the main destinations' languages. */
export type PoBoxKind = "po-box" | "packstation"

// Post-office boxes in the languages of the main destinations. Word boundaries keep "Boxhagener Straße" and
// "Postbusweg" apart from a real box; Swedish "Box 123" needs the number to tell it from a street name.
const poBoxPatterns: ReadonlyArray<RegExp> = [
  /\bp\.?\s*o\.?\s*box\b/i,
  /\bpost\s+office\s+box\b/i,
  /\bpostfach\b/i,
  /\bpostbus\s*\d/i,
  /\bpostboks\b/i,
  /\bpostbox\b/i,
  /\bpostilokero\b/i,
  /\bbo[iî]te\s+postale\b/i,
  /\bb\.?\s*p\.?\s*\d/i,
  /\bcase\s+postale\b/i,
  /\bcasella\s+postale\b/i,
  /\bapartado(\s+de\s+correos)?\s*\d/i,
  /\bcaixa\s+postal\b/i,
  /\bskrytka\s+pocztowa\b/i,
  /\bpostf\.\s*\d/i,
  /^\s*box\s+\d/i
]

// Deutsche Post/DHL pick-up points: parcel lockers and branches, addressed by a Postnummer.
const packstationPatterns: ReadonlyArray<RegExp> = [/\bpackstation\b/i, /\bpostfiliale\b/i, /\bpoststation\b/i]

/** Whether an address line names a post-office box or a DHL Packstation/Postfiliale, and which. */
export const detectPoBox = (line: string): PoBoxKind | undefined => {
  if (packstationPatterns.some((pattern) => pattern.test(line))) return "packstation"
  if (poBoxPatterns.some((pattern) => pattern.test(line))) return "po-box"
  return undefined
}
