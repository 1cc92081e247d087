/** Postal code to place tables per country, so the address check can tell a code from a town. */
import { postalPlaceLines } from "./postalPlaces.generated.ts"

/** Countries whose postal codes the station can match to places (see data/README.md). */
export type PostalPlaceCountry = keyof typeof postalPlaceLines

const tables = new Map<PostalPlaceCountry, ReadonlyMap<string, ReadonlyArray<string>>>()

/** The country's table, parsed on first use: most stations never check an address of some of these countries. */
const tableOf = (country: PostalPlaceCountry): ReadonlyMap<string, ReadonlyArray<string>> => {
  const known = tables.get(country)
  if (known !== undefined) return known
  const table = new Map<string, ReadonlyArray<string>>()
  for (const line of postalPlaceLines[country].split("\n")) {
    const at = line.indexOf("=")
    table.set(line.slice(0, at), line.slice(at + 1).split("|"))
  }
  tables.set(country, table)
  return table
}

export const hasPostalPlaces = (country: string): country is PostalPlaceCountry =>
  Object.hasOwn(postalPlaceLines, country)

/** The places a postal code serves, or undefined when the data does not know the code. */
export const placesOf = (country: PostalPlaceCountry, postalCode: string): ReadonlyArray<string> | undefined =>
  tableOf(country).get(postalCode)

/**
 * A place name as people and shops write it: case, umlauts (ü/ue, ß/ss), accents, dots, dashes and brackets do not
 * matter ("Frankfurt a. M." and "Frankfurt am Main", "Kempten" and "Kempten (Allgäu)" differ only in the words after).
 */
const normalised = (place: string): ReadonlyArray<string> =>
  place
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\ba\.\s*m\./g, "am main")
    .replace(/\bst\.\s*/g, "sankt ")
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "")

/** One name is the other, or starts with all of its words ("Kempten" for "Kempten (Allgäu)", "Wien" for "Wien 7"). */
export const samePlace = (given: string, known: string): boolean => {
  const a = normalised(given)
  const b = normalised(known)
  if (a.length === 0 || b.length === 0) return false
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a]
  return shorter.every((word, index) => longer[index] === word)
}
