/** Where a customer's clock is: the IANA time zone of the shipping address, falling back to the locale's. */

import { countryRules } from "../../../core/address/countryRules.generated.ts"
import { findRegion } from "../../../core/address/formatAddress.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"

/** The parts of a shipping address that say where it is; all optional, as old hub rows have none. */
export interface CustomerPlace {
  readonly country?: string | undefined
  readonly region?: string | undefined
  readonly postalCode?: string | undefined
}

/**
 * Countries in one zone (mainland; the few overseas parts of a country are served by the mainland's clock, which
 * errs by an hour at most in Europe). A country missing here falls back to the customer's locale.
 */
const singleZone: Readonly<Record<string, string>> = {
  DE: "Europe/Berlin",
  AT: "Europe/Vienna",
  CH: "Europe/Zurich",
  LI: "Europe/Vaduz",
  GB: "Europe/London",
  IE: "Europe/Dublin",
  FR: "Europe/Paris",
  BE: "Europe/Brussels",
  NL: "Europe/Amsterdam",
  LU: "Europe/Luxembourg",
  IT: "Europe/Rome",
  PT: "Europe/Lisbon",
  DK: "Europe/Copenhagen",
  SE: "Europe/Stockholm",
  NO: "Europe/Oslo",
  FI: "Europe/Helsinki",
  PL: "Europe/Warsaw",
  CZ: "Europe/Prague",
  SK: "Europe/Bratislava",
  HU: "Europe/Budapest",
  SI: "Europe/Ljubljana",
  HR: "Europe/Zagreb",
  RO: "Europe/Bucharest",
  BG: "Europe/Sofia",
  GR: "Europe/Athens",
  EE: "Europe/Tallinn",
  LV: "Europe/Riga",
  LT: "Europe/Vilnius",
  MC: "Europe/Monaco",
  MT: "Europe/Malta",
  CY: "Asia/Nicosia",
  IS: "Atlantic/Reykjavik",
  TR: "Europe/Istanbul",
  IL: "Asia/Jerusalem",
  JP: "Asia/Tokyo",
  KR: "Asia/Seoul",
  CN: "Asia/Shanghai",
  HK: "Asia/Hong_Kong",
  SG: "Asia/Singapore",
  IN: "Asia/Kolkata",
  AE: "Asia/Dubai",
  ZA: "Africa/Johannesburg",
  NZ: "Pacific/Auckland"
}

/**
 * Countries with several zones: the zone of each first-level region (by the ISO 3166-2 code the address data gives
 * it), and the zone of most of the country's people for an address whose region is missing or unknown. Where a
 * region straddles two zones, the zone of its largest city is taken.
 */
const byRegion: Readonly<
  Record<string, { readonly main: string; readonly regions: Readonly<Record<string, string>> }>
> = {
  US: {
    main: "America/New_York",
    regions: {
      ...zones("America/New_York", "CT DE DC FL GA KY ME MD MA NH NJ NY NC OH PA RI SC VT VA WV"),
      MI: "America/Detroit",
      IN: "America/Indiana/Indianapolis",
      ...zones("America/Chicago", "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI"),
      ...zones("America/Denver", "CO MT NM UT WY"),
      ID: "America/Boise",
      AZ: "America/Phoenix",
      ...zones("America/Los_Angeles", "CA NV OR WA"),
      AK: "America/Anchorage",
      HI: "Pacific/Honolulu",
      PR: "America/Puerto_Rico",
      VI: "America/St_Thomas",
      GU: "Pacific/Guam",
      MP: "Pacific/Saipan",
      AS: "Pacific/Pago_Pago"
    }
  },
  CA: {
    main: "America/Toronto",
    regions: {
      NL: "America/St_Johns",
      ...zones("America/Halifax", "NS NB PE"),
      ...zones("America/Toronto", "ON QC"),
      MB: "America/Winnipeg",
      SK: "America/Regina",
      AB: "America/Edmonton",
      BC: "America/Vancouver",
      YT: "America/Whitehorse",
      NT: "America/Yellowknife",
      NU: "America/Iqaluit"
    }
  },
  AU: {
    main: "Australia/Sydney",
    regions: {
      ...zones("Australia/Sydney", "NSW ACT"),
      VIC: "Australia/Melbourne",
      QLD: "Australia/Brisbane",
      SA: "Australia/Adelaide",
      WA: "Australia/Perth",
      TAS: "Australia/Hobart",
      NT: "Australia/Darwin"
    }
  },
  BR: {
    main: "America/Sao_Paulo",
    regions: {
      AC: "America/Rio_Branco",
      AM: "America/Manaus",
      RR: "America/Boa_Vista",
      RO: "America/Porto_Velho",
      MT: "America/Cuiaba",
      MS: "America/Campo_Grande",
      ...zones("America/Belem", "PA AP"),
      TO: "America/Araguaina",
      ...zones("America/Fortaleza", "MA PI CE RN PB"),
      PE: "America/Recife",
      ...zones("America/Maceio", "AL SE"),
      BA: "America/Bahia"
    }
  },
  MX: {
    main: "America/Mexico_City",
    regions: {
      BCN: "America/Tijuana",
      ...zones("America/Mazatlan", "BCS SIN NAY"),
      SON: "America/Hermosillo",
      CHH: "America/Chihuahua",
      ROO: "America/Cancun"
    }
  },
  RU: {
    main: "Europe/Moscow",
    regions: {
      KGD: "Europe/Kaliningrad",
      ...zones("Europe/Samara", "SAM UD"),
      AST: "Europe/Astrakhan",
      SAR: "Europe/Saratov",
      ULY: "Europe/Ulyanovsk",
      VGG: "Europe/Volgograd",
      ...zones("Asia/Yekaterinburg", "BA PER ORE CHE SVE KGN TYU KHM YAN"),
      OMS: "Asia/Omsk",
      NVS: "Asia/Novosibirsk",
      TOM: "Asia/Tomsk",
      ...zones("Asia/Barnaul", "ALT AL"),
      KEM: "Asia/Novokuznetsk",
      ...zones("Asia/Krasnoyarsk", "KYA TY KK"),
      ...zones("Asia/Irkutsk", "IRK BU"),
      ZAB: "Asia/Chita",
      ...zones("Asia/Yakutsk", "AMU SA"),
      ...zones("Asia/Vladivostok", "YEV KHA PRI"),
      MAG: "Asia/Magadan",
      SAK: "Asia/Sakhalin",
      ...zones("Asia/Kamchatka", "KAM CHU")
    }
  }
}

function zones(zone: string, regions: string): Record<string, string> {
  return Object.fromEntries(regions.split(" ").map((region) => [region, zone]))
}

/**
 * A US address without a state still has a ZIP code, whose first digits follow the country from east to west
 * (USPS national areas): enough to tell New York's night from California's.
 */
const usZoneOfZip = (postalCode: string): string | undefined => {
  const zip = /^\s*(\d{3})\d{2}(?:-\d{4})?\s*$/.exec(postalCode)?.[1]
  if (zip === undefined) return undefined
  const prefix = Number(zip)
  if (prefix >= 967 && prefix <= 968) return "Pacific/Honolulu"
  if (prefix >= 995) return "America/Anchorage"
  if (prefix >= 900) return "America/Los_Angeles"
  if (prefix >= 889) return "America/Los_Angeles"
  if (prefix >= 850 && prefix <= 865) return "America/Phoenix"
  if (prefix >= 800) return "America/Denver"
  if (prefix >= 500) return "America/Chicago"
  return "America/New_York"
}

/** The region's ISO 3166-2 code (or the data's key) for a region typed as code, local or Latin name. */
const regionCode = (country: string, region: string): string | undefined => {
  const rule = Object.hasOwn(countryRules, country) ? countryRules[country] : undefined
  if (rule === undefined) return undefined
  const found = findRegion(rule, region)
  return found === undefined ? undefined : (found.isoId ?? found.key)
}

/**
 * The customer's time zone: from the shipping address's country, and its region (or, in the US, its ZIP code) where
 * the country has several zones; from the locale when the address says nothing the table knows.
 */
export const customerTimeZone = (
  place: CustomerPlace | undefined,
  locale: Locale,
  localeZones: Readonly<Record<Locale, string>>
): string => {
  const country = place?.country?.trim().toUpperCase() ?? ""
  const single = Object.hasOwn(singleZone, country) ? singleZone[country] : undefined
  if (single !== undefined) return single
  const several = Object.hasOwn(byRegion, country) ? byRegion[country] : undefined
  if (several === undefined) return localeZones[locale]
  const code = place?.region === undefined ? undefined : regionCode(country, place.region)
  const ofRegion = code !== undefined && Object.hasOwn(several.regions, code) ? several.regions[code] : undefined
  if (ofRegion !== undefined) return ofRegion
  const ofZip = country === "US" && place?.postalCode !== undefined ? usZoneOfZip(place.postalCode) : undefined
  return ofZip ?? several.main
}

/** Every zone the tables name, for the test that the runtime knows them all. */
export const knownCustomerZones = (): ReadonlyArray<string> => [
  ...new Set([
    ...Object.values(singleZone),
    ...Object.values(byRegion).flatMap((country) => [country.main, ...Object.values(country.regions)])
  ])
]

/** The place in a shipping address the hub stored as JSON; nothing when there is none or it is not an object. */
export const shipToPlace = (json: string | null): CustomerPlace | undefined => {
  if (json === null) return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const record = value as Readonly<Record<string, unknown>>
  const text = (field: string) => (typeof record[field] === "string" ? (record[field] as string) : undefined)
  return { country: text("country"), region: text("region"), postalCode: text("postalCode") }
}
