/** Encodes a handover batch's manifest as a ZPL job for the driver to sign. */
import { encodeUtf8 } from "../bounds/Utf8.ts"
import type { Locale } from "../config/StationConfig.ts"

export interface Manifest {
  readonly batchId: string
  readonly carrierName: string
  readonly stationId: string
  readonly closedAt: string
  readonly trackingNumbers: ReadonlyArray<string>
  /** The station's language: the driver signs a manifest in the language of the site. */
  readonly locale: Locale
}

/** The manifest's own words, in each language a station speaks. */
const words: Readonly<
  Record<
    Locale,
    {
      readonly title: string
      readonly parcels: (count: number) => string
      readonly more: (count: number) => string
      readonly signature: string
    }
  >
> = {
  en: {
    title: "HANDOVER MANIFEST",
    parcels: (count) => `Parcels: ${count}`,
    more: (count) => `... and ${count} more`,
    signature: "Driver signature:"
  },
  de: {
    title: "ÜBERGABELISTE",
    parcels: (count) => `Pakete: ${count}`,
    more: (count) => `... und ${count} weitere`,
    signature: "Unterschrift Fahrer:"
  }
}

/** Lines of tracking numbers a 4x6 label holds under the header; the rest are counted, the barcode lists them all. */
const LISTED = 28

/** ^FH with "_": ^, ~ and _ in field data are written as hex so they cannot start a command (ZPL II, "^FH"). */
const hexEscape = (value: string): string =>
  value.replace(/[\^~_]/g, (char) => `_${char.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * The handover manifest the driver signs: 4x6 inches at 203 dpi (812x1218 dots), UTF-8 (^CI28), the batch id as
 * Code 128 (^BC) so the carrier's scanner can book the whole batch, then the count and every tracking number.
 */
export const encodeManifestZpl = (manifest: Manifest): Uint8Array => {
  const text = (x: number, y: number, height: number, value: string) =>
    `^FO${x},${y}^A0N,${height},${height}^FH^FD${hexEscape(value)}^FS`
  const listed = manifest.trackingNumbers.slice(0, LISTED)
  const more = manifest.trackingNumbers.length - listed.length
  const say = words[manifest.locale]
  const out = [
    "^XA",
    "^CI28",
    "^PW812",
    "^LL1218",
    "^LH0,0",
    text(30, 30, 48, say.title),
    text(30, 90, 36, manifest.carrierName),
    text(30, 135, 28, `Station ${manifest.stationId} - ${manifest.closedAt}`),
    `^FO30,180^BY2,3,110^BCN,110,Y,N,N^FD${hexEscape(manifest.batchId)}^FS`,
    text(30, 330, 36, say.parcels(manifest.trackingNumbers.length)),
    "^FO30,375^GB752,3,3^FS",
    ...listed.map((number, index) => text(30, 390 + index * 27, 24, `${index + 1}. ${number}`)),
    ...(more > 0 ? [text(30, 390 + LISTED * 27, 24, say.more(more))] : []),
    text(30, 1150, 24, say.signature),
    "^FO260,1170^GB520,2,2^FS",
    "^XZ"
  ]
  return encodeUtf8(`${out.join("\n")}\n`)
}
