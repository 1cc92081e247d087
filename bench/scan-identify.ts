import { gs1CheckDigit } from "../core/scan/gs1CheckDigit.ts"
import { identifyScan } from "../core/scan/identify.ts"
import { encodePackbenchCode } from "../core/scan/PackbenchCode.ts"
import { encodeS10 } from "../core/scan/trackingNumber.ts"

const GS = "\u001d"
let seed = 42
const next = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed
}
const digits = (n: number): string => Array.from({ length: n }, () => String(next() % 10)).join("")
const withCheck = (body: string): string => `${body}${gs1CheckDigit(body)}`

const makers: ReadonlyArray<() => string> = [
  () => withCheck(digits(12)),
  () => withCheck(digits(11)),
  () => `]C101${withCheck(digits(13))}17251231${"10"}LOT${digits(4)}${GS}21${digits(8)}`,
  () => `]C100${withCheck(digits(17))}${GS}400PO${digits(6)}`,
  () => `https://id.example.com/01/${withCheck(digits(13))}/10/L${digits(3)}?17=260101`,
  () => `1Z${digits(16)}`,
  () => encodeS10("RR", digits(8), "DE"),
  () => {
    const code = encodePackbenchCode("order", `SO-${digits(6)}`)
    return code.ok ? code.code : ""
  },
  () => digits(1 + (next() % 30)),
  () => String.fromCharCode(...Array.from({ length: 20 }, () => next() % 256))
]

const corpus = Array.from({ length: 100_000 }, (_, i) => makers[i % makers.length]!())
const resolveSku = (code: string) => (code.startsWith("SKU-") ? code : undefined)

for (const raw of corpus.slice(0, 2000)) identifyScan(raw, { resolveSku })
const started = performance.now()
const kinds = new Map<string, number>()
for (const raw of corpus) {
  const kind = identifyScan(raw, { resolveSku }).kind
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
}
const seconds = (performance.now() - started) / 1000
console.log(`${corpus.length} scans in ${seconds.toFixed(2)} s: ${Math.round(corpus.length / seconds)} scans/s`)
console.log(Object.fromEntries(kinds))
