// Identifications per second on a mixed stream of 1,000,000 scans, as a station meets them: GTINs, GS1 element
// strings, Digital Link URIs (with short names), SSCCs, every carrier's tracking numbers (the data set's published
// samples, printed with spaces or typed in lower case too), S10 items, Packbench codes, SKUs and noise.
// Prints figures, asserts nothing. Run: npm run bench:scan -- [--scans N]
import { allFormats, readSources } from "../core/scan/carriers/generate.mjs"
import { gs1CheckDigit } from "../core/scan/gs1CheckDigit.ts"
import { identifyScan } from "../core/scan/identify.ts"
import { encodePackbenchCode } from "../core/scan/PackbenchCode.ts"
import { encodeS10 } from "../core/scan/trackingNumber.ts"

const flag = process.argv.indexOf("--scans")
const total = flag === -1 ? 1_000_000 : Number(process.argv[flag + 1])
const GS = "\u001d"
let seed = 42
const next = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
}
const digits = (n: number): string => Array.from({ length: n }, () => String(next() % 10)).join("")
const withCheck = (body: string): string => `${body}${gs1CheckDigit(body)}`
const pick = <T>(items: ReadonlyArray<T>): T => items[next() % items.length]!

const { dataCouriers, packbench } = readSources()
const trackingSamples = allFormats(dataCouriers, packbench).flatMap((format) => format.valid)
const countries = ["DE", "GB", "US", "FR", "NL", "AT", "CH", "CN", "PL", "XX"]

const makers: ReadonlyArray<readonly [string, () => string]> = [
  ["EAN-13", () => withCheck(digits(12))],
  ["UPC-A", () => withCheck(digits(11))],
  ["EAN-13 printed in groups", () => withCheck(`4${digits(11)}`).replace(/^(\d)(\d{6})(\d{6})$/, "$1 $2 $3")],
  ["GS1-128", () => `]C101${withCheck(`0${digits(12)}`)}17251231${"10"}LOT${digits(4)}${GS}21${digits(8)}`],
  ["SSCC label", () => `]C100${withCheck(`3${digits(16)}`)}${GS}400PO${digits(6)}`],
  ["Digital Link", () => `https://id.example.com/01/${withCheck(`0${digits(12)}`)}/10/L${digits(3)}?17=260101`],
  ["Digital Link short names", () => `https://id.example.com/gtin/${withCheck(`0${digits(12)}`)}/ser/S${digits(5)}`],
  ["carrier sample", () => pick(trackingSamples)],
  ["carrier sample, lower case", () => pick(trackingSamples).toLowerCase()],
  ["UPS 1Z (random, 1 in 10 valid)", () => `1Z${digits(16)}`],
  ["S10", () => encodeS10(pick(["RR", "CP", "EE", "LX"]), digits(8), pick(countries))],
  [
    "Packbench order",
    () => {
      const code = encodePackbenchCode("order", `SO-${digits(6)}`)
      return code.ok ? code.code : ""
    }
  ],
  ["SKU", () => `SKU-${digits(4)}`],
  ["digits 1-30", () => digits(1 + (next() % 30))],
  ["line noise", () => String.fromCharCode(...Array.from({ length: 20 }, () => next() % 256))]
]

const corpus = Array.from({ length: total }, (_, i) => makers[i % makers.length]![1]())
const resolveSku = (code: string) => (code.startsWith("SKU-") ? code : undefined)

for (const raw of corpus.slice(0, 20_000)) identifyScan(raw, { resolveSku })
const started = performance.now()
const kinds = new Map<string, number>()
let valid = 0
for (const raw of corpus) {
  const result = identifyScan(raw, { resolveSku })
  kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1)
  if (result.valid) valid++
}
const seconds = (performance.now() - started) / 1000
console.log(
  `${corpus.length.toLocaleString("en")} scans in ${seconds.toFixed(2)} s: ${Math.round(corpus.length / seconds).toLocaleString("en")} identifications/s (one core)`
)
console.log(`valid ${valid.toLocaleString("en")}; by kind ${JSON.stringify(Object.fromEntries(kinds))}`)
console.log(`stream: ${makers.map(([name]) => name).join(", ")}, in turn; ${trackingSamples.length} carrier samples`)

// Per kind of input, so a slow path shows.
for (const [name, make] of makers) {
  const inputs = Array.from({ length: 20_000 }, make)
  const start = performance.now()
  for (const raw of inputs) identifyScan(raw, { resolveSku })
  const perSecond = inputs.length / ((performance.now() - start) / 1000)
  console.log(`  ${name.padEnd(32)} ${Math.round(perSecond).toLocaleString("en").padStart(10)} /s`)
}
