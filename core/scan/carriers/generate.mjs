// Turns the vendored tracking_number_data courier files (tracking_number_data/couriers/*.json, an unmodified copy of
// Jeff Keen's open data set) and Packbench's own packbench-formats.json into the committed TypeScript format table.
// Run: node core/scan/carriers/generate.mjs   (writes trackingFormats.generated.ts beside this file)
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** The data set's courier codes against the carrier ids Packbench prints (a contract: add, never rename). */
const carrierIdOf = {
  amazon: "amazon",
  canada_post: "canada-post",
  canpar: "canpar",
  dhl: "dhl",
  dpd: "dpd",
  fedex: "fedex",
  gofo: "gofo",
  landmark: "landmark-global",
  lasership: "lasership",
  old_dominion: "old-dominion",
  ontrac: "ontrac",
  purolator: "purolator",
  s10: "s10",
  speedee: "speedee",
  ups: "ups",
  usps: "usps",
  yodel: "yodel",
  yunexpress: "yunexpress"
}

/** DHL's file holds two carriers for a warehouse: Express (id "dhl" since the first release) and eCommerce. */
const carrierOfFormat = {
  dhl_express: "dhl",
  dhl_express_piece_id: "dhl",
  dhl_ecommerce: "dhl-ecommerce",
  dhl_ecommerce_14: "dhl-ecommerce"
}

/** Names and tracking pages chosen here over the data set's (which names DHL's file "DHL" and Landmark's "LTN"). */
const extraCarriers = {
  dhl: { name: "DHL Express", tracking_url: "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL" },
  "dhl-ecommerce": {
    name: "DHL eCommerce",
    tracking_url: "https://www.dhl.com/us-en/home/tracking.html?tracking-id=%s"
  },
  amazon: { name: "Amazon Logistics", tracking_url: "https://track.amazon.com/tracking/%s" },
  s10: { name: "UPU S10 (national post)", tracking_url: null }
}
const extraNames = { "landmark-global": "Landmark Global" }

/**
 * Formats whose numbers are bare digits (or a generic letter prefix) with nothing of their own: they collide with
 * GTINs, SSCCs and each other, so identification claims them only with a holding check digit, for a station's own
 * carriers, or when the station expects a tracking number.
 */
const undistinctive = new Set([
  "amazon_international",
  "canada_post",
  "dhl_ecommerce_14",
  "dhl_express",
  "dhl_paket_identcode",
  "dhl_paket_nve",
  "dpd",
  "dpd_14",
  "dpd_14_no_check",
  "evri_parcel",
  "fedex_12",
  "fedex_34",
  "fedex_astra_32",
  "fedex_ground",
  "fedex_ground_sscc_18",
  "gls_parcel",
  "hermes_parcel",
  "inpost_24",
  "old_dominion",
  "old_dominion_guaranteed_shipment",
  "purolator_alpha",
  "purolator_numeric",
  "swiss_post_99",
  "ups_waybill",
  "usps_20",
  "usps_legacy"
])

/** Most likely first when several carriers fit one number: the carriers of the shop's markets, then the rest. */
const carrierOrder = [
  "dhl-paket",
  "deutsche-post",
  "dpd",
  "hermes",
  "gls",
  "ups",
  "dhl",
  "fedex",
  "usps",
  "amazon",
  "royal-mail",
  "evri",
  "yodel",
  "postnl",
  "bpost",
  "la-poste",
  "chronopost",
  "poste-italiane",
  "correos",
  "inpost",
  "poczta-polska",
  "swiss-post",
  "austrian-post",
  "canada-post",
  "purolator",
  "canpar",
  "ontrac",
  "lasership",
  "gofo",
  "old-dominion",
  "dhl-ecommerce",
  "landmark-global",
  "cainiao",
  "yunexpress",
  "china-post",
  "speedee",
  "s10"
]

const slug = (name) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "")

/**
 * The data's patterns allow whitespace between any two characters (`\s*`); identification removes spaces and dashes
 * before matching, so both go from the pattern (a literal dash outside a character class only in LaserShip 1LS7 18).
 */
export const compactPattern = (regex) => {
  let out = ""
  let inClass = false
  for (let i = 0; i < regex.length; i++) {
    const char = regex[i]
    if (char === "\\") {
      const escaped = regex.slice(i, i + 2)
      if (!inClass && escaped === "\\s" && regex[i + 2] === "*") {
        i += 2
        continue
      }
      out += escaped
      i++
      continue
    }
    if (char === "[") inClass = true
    else if (char === "]") inClass = false
    else if (char === "-" && !inClass) continue
    out += char
  }
  return out
}

const checksumAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const sameList = (a, b) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i])
const isCount = (n) => Number.isInteger(n) && n > 0

/**
 * Each algorithm checkDigits.ts implements, with the constants it runs on: a data file that states other constants
 * (or keys this does not know) is refused rather than checked by an algorithm that ignores them.
 */
const checksumRules = {
  mod10: (c) =>
    (c.modulo ?? 10) === 10 &&
    [c.evens_multiplier ?? 1, c.odds_multiplier ?? 1].every(isCount) &&
    [undefined, true, false].includes(c.reverse),
  mod7: (c) => (c.modulo ?? 7) === 7,
  s10: (c) => (c.modulo ?? 11) === 11 && sameList(c.weightings ?? [8, 6, 4, 2, 3, 5, 9, 7], [8, 6, 4, 2, 3, 5, 9, 7]),
  luhn: (c) => (c.modulo ?? 10) === 10,
  mod_37_36: (c) => (c.modulo ?? 36) === 36 && (c.alphabet ?? checksumAlphabet) === checksumAlphabet,
  sum_product_with_weightings_and_modulo: (c) =>
    Array.isArray(c.weightings) && c.weightings.every(isCount) && isCount(c.modulo1) && isCount(c.modulo2)
}
const checksumKeys = new Set([
  "name",
  "modulo",
  "evens_multiplier",
  "odds_multiplier",
  "reverse",
  "weightings",
  "modulo1",
  "modulo2",
  "alphabet"
])

export const checksumOf = (validation, where) => {
  const checksum = validation?.checksum
  if (checksum === undefined) return null
  const rule = Object.hasOwn(checksumRules, checksum.name) ? checksumRules[checksum.name] : undefined
  if (rule === undefined) throw new Error(`${where}: unknown checksum "${checksum.name}"`)
  const unknownKey = Object.keys(checksum).find((key) => !checksumKeys.has(key))
  if (unknownKey !== undefined) throw new Error(`${where}: checksum ${checksum.name} has unknown key "${unknownKey}"`)
  if (!rule(checksum))
    throw new Error(`${where}: checksum ${checksum.name} states constants checkDigits.ts does not run on`)
  return {
    name: checksum.name,
    evensMultiplier: checksum.evens_multiplier ?? 1,
    oddsMultiplier: checksum.odds_multiplier ?? 1,
    reverse: checksum.reverse === true,
    weightings: checksum.weightings ?? [],
    modulo1: checksum.modulo1 ?? 0,
    modulo2: checksum.modulo2 ?? 0
  }
}

/** Reads one courier file of the data set's schema into format rows; throws naming the file on anything unexpected. */
export const readCourier = (courier, source, file) => {
  const rows = []
  for (const format of courier.tracking_numbers) {
    const id = format.id ?? slug(format.name)
    const where = `${file}: ${id}`
    const carrier = carrierOfFormat[id] ?? carrierIdOf[courier.courier_code] ?? courier.courier_code
    if (!carrierOrder.includes(carrier)) throw new Error(`${where}: carrier "${carrier}" has no place in carrierOrder`)
    const regex = Array.isArray(format.regex) ? format.regex.join("") : format.regex
    const pattern = `^(?:${compactPattern(regex)})$`
    new RegExp(pattern)
    if (!/\(\?<SerialNumber>/.test(pattern)) throw new Error(`${where}: pattern has no SerialNumber group`)
    const checksum = checksumOf(format.validation, where)
    if (checksum !== null && !/\(\?<CheckDigit>/.test(pattern)) throw new Error(`${where}: checksum but no CheckDigit`)
    const prepend = format.validation?.serial_number_format?.prepend_if
    rows.push({
      id,
      name: format.name,
      carrier,
      source,
      pattern,
      checksum,
      prependSerial:
        prepend === undefined ? null : { when: compactPattern(prepend.matches_regex), content: prepend.content },
      requiresKnownCountry: (format.validation?.additional?.exists ?? []).includes("Courier"),
      distinctive: !undistinctive.has(id),
      trackingUrl: (format.tracking_url ?? courier.tracking_url ?? null)?.replace(/^http:\/\//, "https://") ?? null,
      checkDigitNotVerified: format.check_digit_not_verified ?? null,
      valid: format.test_numbers?.valid ?? [],
      invalid: format.test_numbers?.invalid ?? [],
      s10Countries:
        format.additional
          ?.find((a) => a.regex_group_name === "CountryCode")
          ?.lookup.map((entry) => ({ code: entry.matches, country: entry.country, post: entry.courier })) ?? []
    })
  }
  return rows
}

const json = (value) => JSON.stringify(value)

/** Every format of the sources in table order, with the sample numbers the data set publishes for it. */
export const allFormats = (dataCouriers, packbench) => {
  const formats = [
    ...dataCouriers.flatMap(({ file, courier }) => readCourier(courier, "tracking_number_data", file)),
    ...packbench.carriers.flatMap((courier) => readCourier(courier, "packbench", "packbench-formats.json"))
  ]
  const ids = new Set()
  for (const { id, source } of formats) {
    if (ids.has(id)) throw new Error(`${source}: format id "${id}" is defined twice`)
    ids.add(id)
  }
  for (const id of undistinctive) if (!ids.has(id)) throw new Error(`undistinctive names no format "${id}"`)
  const rank = (carrier) => carrierOrder.indexOf(carrier)
  return formats.sort((a, b) => rank(a.carrier) - rank(b.carrier))
}

/**
 * Each carrier's name and tracking page: the choices in extraCarriers first, then the data set's (the first of its
 * formats with a page), then packbench-formats.json's for carriers and pages the data set does not have.
 */
const carrierTable = (dataCouriers, packbench, formats) => {
  const names = new Map()
  const urls = new Map()
  for (const [id, extra] of Object.entries(extraCarriers)) {
    names.set(id, extra.name)
    urls.set(id, extra.tracking_url)
  }
  for (const [id, name] of Object.entries(extraNames)) names.set(id, name)
  for (const { courier } of dataCouriers) {
    const id = carrierIdOf[courier.courier_code]
    if (id !== undefined && !names.has(id)) names.set(id, courier.name)
  }
  for (const format of formats)
    if (format.source === "tracking_number_data" && format.trackingUrl !== null && !urls.has(format.carrier))
      urls.set(format.carrier, format.trackingUrl)
  for (const courier of packbench.carriers) {
    if (!names.has(courier.courier_code)) names.set(courier.courier_code, courier.name)
    if (!urls.has(courier.courier_code)) urls.set(courier.courier_code, courier.tracking_url)
  }
  return { names, urls }
}

/** Renders the committed module; pure, so the staleness test can compare it with the file on disk. */
export const renderTrackingFormats = (dataCouriers, packbench) => {
  const formats = allFormats(dataCouriers, packbench)
  const { names: carrierNames, urls: carrierUrls } = carrierTable(dataCouriers, packbench, formats)
  const s10 = formats.find((f) => f.id === "s10")
  if (s10 === undefined || s10.s10Countries.length < 150) throw new Error("the S10 country table is missing")
  const s10Posts = Object.fromEntries(Object.entries(packbench.s10_posts).filter(([key]) => key !== "//"))
  for (const carrier of Object.values(s10Posts)) {
    if (!carrierNames.has(carrier)) throw new Error(`s10_posts names unknown carrier "${carrier}"`)
  }
  const carriers = carrierOrder.map(
    (id) =>
      `  ${json(id)}: { name: ${json(carrierNames.get(id) ?? id)}, trackingUrl: ${json(carrierUrls.get(id) ?? null)} }`
  )
  const formatLines = formats.map((f) =>
    [
      "  {",
      `    id: ${json(f.id)},`,
      `    name: ${json(f.name)},`,
      `    carrier: ${json(f.carrier)},`,
      `    source: ${json(f.source)},`,
      `    pattern: new RegExp(${json(f.pattern)}),`,
      `    checksum: ${json(f.checksum)},`,
      `    prependSerial: ${f.prependSerial === null ? "null" : `{ when: new RegExp(${json(f.prependSerial.when)}), content: ${json(f.prependSerial.content)} }`},`,
      `    requiresKnownCountry: ${f.requiresKnownCountry},`,
      `    distinctive: ${f.distinctive},`,
      `    trackingUrl: ${json(f.trackingUrl)},`,
      `    checkDigitNotVerified: ${json(f.checkDigitNotVerified)}`,
      "  }"
    ].join("\n")
  )
  return [
    "// GENERATED by core/scan/carriers/generate.mjs from tracking_number_data/couriers/*.json, an unmodified copy of",
    `// github.com/jkeen/tracking_number_data at commit ${dataSource().commit}, and packbench-formats.json.`,
    "// Do not edit: re-run the generator. Data set tracking_number_data: MIT licence, (c) 2017 Jeff Keen; see NOTICE.md.",
    'import type { TrackingFormat } from "./TrackingFormat.ts"',
    "",
    `export const carrierIds = ${json(carrierOrder)} as const`,
    "export type CarrierId = (typeof carrierIds)[number]",
    "",
    "/** Each carrier's name and public tracking page (%s is the number). */",
    "export const carrierInfo: Readonly<Record<CarrierId, { readonly name: string; readonly trackingUrl: string | null }>> = {",
    carriers.join(",\n"),
    "}",
    "",
    "/** Every format, most likely carrier first (see carrierOrder in the generator). */",
    "export const trackingFormats: ReadonlyArray<TrackingFormat<CarrierId>> = [",
    formatLines.join(",\n"),
    "]",
    "",
    "/** UPU S10 country codes in use, with the country and its designated postal operator. */",
    "export const s10Countries: Readonly<Record<string, { readonly country: string; readonly post: string }>> = {",
    s10.s10Countries
      .map((c) => `  ${json(c.code)}: { country: ${json(c.country)}, post: ${json(c.post)} }`)
      .join(",\n"),
    "}",
    "",
    "/** The S10 countries (and COUNTRY/service letter) whose post is a carrier of its own here. */",
    `export const s10Carriers: Readonly<Record<string, CarrierId>> = ${json(s10Posts)}`,
    ""
  ].join("\n")
}

const here = (name) => fileURLToPath(new URL(name, import.meta.url))

/** The vendored copy of the data set: its folder and SOURCE.json (repository, commit, each file's blob id). */
export const dataDir = here("./tracking_number_data/")
export const dataSource = () => JSON.parse(readFileSync(`${dataDir}SOURCE.json`, "utf8"))

/** Reads the vendored courier files and our supplement as the generator and the tests both need them. */
export const readSources = () => {
  const dir = `${dataDir}couriers/`
  const dataCouriers = readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ file, courier: JSON.parse(readFileSync(`${dir}${file}`, "utf8")) }))
  const packbench = JSON.parse(readFileSync(here("./packbench-formats.json"), "utf8"))
  return { dataCouriers, packbench }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { dataCouriers, packbench } = readSources()
  writeFileSync(here("./trackingFormats.generated.ts"), renderTrackingFormats(dataCouriers, packbench))
}
