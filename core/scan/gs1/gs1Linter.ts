/** Checks GS1 application identifier values against the syntax dictionary's rules. */
import { hasValidGs1CheckDigit } from "../gs1CheckDigit.ts"
import { couponCodeProblem, couponPosOfferProblem } from "./couponLinters.ts"
import { iso3166Alpha2, iso3166Numeric, iso4217Numeric } from "./gs1CodeLists.generated.ts"
import { gs1DateProblem } from "./gs1Date.ts"

/** CSET 82 order: the index of a character is its value in the alphanumeric check pair (GenSpecs 7.9.5). */
const cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
const cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
const checkPairWeights = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89]

/** GS1 check character pair (GenSpecs 7.9.5) of up to 24 CSET 82 characters: weights primes, sum mod 1021. */
export const checkCharacterPair = (data: string): string => {
  let sum = 0
  for (let i = 0; i < data.length; i++) {
    sum += cset82.indexOf(data[data.length - 1 - i]!) * checkPairWeights[i]!
  }
  sum %= 1021
  return `${cset32[sum >> 5]}${cset32[sum & 31]}`
}

const alphanumericCheckPairProblem = (value: string): string | undefined => {
  if (value.length < 3) return "too short to carry a check character pair"
  const data = value.slice(0, -2)
  if (data.length > checkPairWeights.length) return "too long for the check character pair"
  const expected = checkCharacterPair(data)
  return value.endsWith(expected) ? undefined : `check character pair should be ${expected}`
}

const ibanProblem = (value: string): string | undefined => {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(value)) return "is not an IBAN (2 letters, 2 digits, up to 30 A-Z0-9)"
  const rearranged = value.slice(4) + value.slice(0, 4)
  let remainder = 0
  for (const char of rearranged) {
    const code = char.charCodeAt(0)
    const numeric = code >= 65 ? String(code - 55) : char
    for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97
  }
  return remainder === 1 ? undefined : "IBAN check digits do not hold (ISO 13616 mod 97)"
}

const rangeProblem = (value: string, min: number, max: number, what: string): string | undefined => {
  const n = Number(value)
  return n >= min && n <= max ? undefined : `${what} ${value} is not ${String(min).padStart(value.length, "0")}-${max}`
}

/**
 * GS1 Company Prefix position (gcppos1, gcppos2 from the second character): the shortest prefix has four digits, so
 * the four characters there must be digits. Whether the prefix is allocated needs GS1's online registry, which a
 * station offline for days cannot ask.
 */
const gcpProblem = (value: string, from: number): string | undefined =>
  /^\d{4}/.test(value.slice(from)) ? undefined : `no GS1 Company Prefix (four digits) at position ${from + 1}`

/** Importer index (AI 7040): one character of "-", 0-9, A-Z, "_", a-z. */
const importerIndexProblem = (value: string): string | undefined =>
  /^[-0-9A-Z_a-z]$/.test(value) ? undefined : `importer index "${value}" must be one of -, 0-9, A-Z, _, a-z`

const inList = (list: ReadonlySet<string>, value: string, what: string): string | undefined =>
  list.has(value) ? undefined : `${value} is not ${what}`

/**
 * The linters the GS1 syntax dictionary names, one case each. ISO code lists come from npm packages
 * (gs1CodeLists.generated.ts); an unknown linter name fails loudly in the
 * dictionary's own test rather than passing silently.
 */
export const gs1LinterProblem = (linter: string, value: string, referenceYear: number): string | undefined => {
  switch (linter) {
    case "csum":
      return hasValidGs1CheckDigit(value) ? undefined : "check digit does not hold (GS1 mod 10)"
    case "csumalpha":
      return alphanumericCheckPairProblem(value)
    case "yymmd0":
      return gs1DateProblem(value, referenceYear, true)
    case "yymmdd":
    case "yyyymmdd":
      return gs1DateProblem(value, referenceYear, false)
    case "hhmi":
      return rangeProblem(value.slice(0, 2), 0, 23, "hour") ?? rangeProblem(value.slice(2), 0, 59, "minute")
    case "hh":
      return rangeProblem(value, 0, 23, "hour")
    case "mi":
      return rangeProblem(value, 0, 59, "minute")
    case "ss":
      return rangeProblem(value, 0, 59, "second")
    case "nonzero":
      return /^0+$/.test(value) ? "must not be zero" : undefined
    case "zero":
      return value === "0" ? undefined : "must be 0"
    case "yesno":
      return value === "0" || value === "1" ? undefined : "must be 0 or 1"
    case "winding":
      return ["0", "1", "9"].includes(value) ? undefined : "winding direction must be 0, 1 or 9"
    case "iso5218":
      return ["0", "1", "2", "9"].includes(value) ? undefined : "sex code must be 0, 1, 2 or 9 (ISO 5218)"
    case "hyphen":
      return value === "-" ? undefined : "must be '-'"
    case "nozeroprefix":
      return value.length > 1 && value.startsWith("0") ? "must not start with 0" : undefined
    case "hasnondigit":
      return /^\d*$/.test(value) ? "must contain a non-digit" : undefined
    case "pcenc":
      return /%(?![0-9A-Fa-f]{2})/.test(value) ? "has a '%' not followed by two hex digits" : undefined
    case "pieceoftotal": {
      const piece = Number(value.slice(0, value.length / 2))
      const total = Number(value.slice(value.length / 2))
      return piece >= 1 && total >= 1 && piece <= total ? undefined : `piece ${piece} of ${total} is not valid`
    }
    case "latitude":
      return Number(value) <= 1800000000 ? undefined : "latitude is out of range"
    case "longitude":
      return Number(value) <= 3600000000 ? undefined : "longitude is out of range"
    case "mediatype": {
      const n = Number(value)
      return (n >= 1 && n <= 10) || n >= 80 ? undefined : `media type ${value} is not 01-10 or 80-99`
    }
    case "posinseqslash":
      return /^([1-9])\/([1-9])$/.test(value) && value[0]! <= value[2]! ? undefined : "must be <n>/<total>"
    case "iban":
      return ibanProblem(value)
    case "gcppos1":
      return gcpProblem(value, 0)
    case "gcppos2":
      return gcpProblem(value, 1)
    case "iso3166":
      return inList(iso3166Numeric, value, "an ISO 3166 numeric country code")
    case "iso3166999":
      return value === "999" ? undefined : inList(iso3166Numeric, value, "an ISO 3166 numeric country code or 999")
    case "iso3166alpha2":
      return inList(iso3166Alpha2, value, "an ISO 3166 alpha-2 country code")
    case "iso4217":
      return inList(iso4217Numeric, value, "an ISO 4217 numeric currency code")
    case "packagetype":
      // GS1's PackageTypeCode list (UN/ECE Recommendation 21 codes and GS1's own three-character additions) is not
      // published in any package we may use: the form is checked, not membership of the list.
      return /^[0-9A-Z]{2,3}$/.test(value)
        ? undefined
        : `${value} is not a package type code (two or three characters 0-9, A-Z, UN/ECE Recommendation 21)`
    case "importeridx":
      return importerIndexProblem(value)
    case "couponcode":
      return couponCodeProblem(value, referenceYear)
    case "couponposoffer":
      return couponPosOfferProblem(value)
    default:
      return `unknown linter "${linter}"`
  }
}

/** Every linter name gs1LinterProblem knows; the dictionary test checks the dictionary names no other. */
export const knownLinters: ReadonlySet<string> = new Set([
  "csum",
  "csumalpha",
  "yymmd0",
  "yymmdd",
  "yyyymmdd",
  "hhmi",
  "hh",
  "mi",
  "ss",
  "nonzero",
  "zero",
  "yesno",
  "winding",
  "iso5218",
  "hyphen",
  "nozeroprefix",
  "hasnondigit",
  "pcenc",
  "pieceoftotal",
  "latitude",
  "longitude",
  "mediatype",
  "posinseqslash",
  "iban",
  "gcppos1",
  "gcppos2",
  "iso3166",
  "iso3166999",
  "iso3166alpha2",
  "iso4217",
  "packagetype",
  "importeridx",
  "couponcode",
  "couponposoffer"
])
