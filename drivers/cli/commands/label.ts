/** `packbench label`: renders a packed (or sample) order's shipping label as ZPL, PDF or PNG. */
import { existsSync, readFileSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { checkAddress } from "../../../core/address/checkAddress.ts"
import { defaultCarrierProfiles, routingCodeFor, trackingNumberFor } from "../../../core/carrier/CarrierProfile.ts"
import { identcodeFor, leitcodeFor } from "../../../core/carrier/DhlCodes.ts"
import { CatalogItem } from "../../../core/catalog/CatalogItem.ts"
import { needsCustoms } from "../../../core/label/CustomsDeclaration.ts"
import { encodeZpl, type LabelDpi } from "../../../core/label/encodeZpl.ts"
import { ShippingLabel } from "../../../core/label/ShippingLabel.ts"
import { Order } from "../../../core/orders/Order.ts"
import { customsFor } from "../../../core/pack/customsFor.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { pdfToPng } from "../../printer/pdfToPng.ts"
import { renderZpl } from "../../printer/ZplRenderer.ts"
import { layerSqlite } from "../../sqlite/SqliteSql.ts"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"

const usage = "label ORDER_ID --format zpl|pdf|png [--dpi 203|300] [--out FILE] [--data-dir DIR] [--sample]"
const FIXTURES = fileURLToPath(new URL("../../../fixtures/data/", import.meta.url))
const SAMPLE_SHIP_FROM = ["Alpenglow GmbH", "Lagerstraße 5", "20457 Hamburg", "Germany"]

type Found = { readonly label: ShippingLabel } | { readonly problem: string }

/** The label of the order's latest parcel that was not voided, as PackService stored it when it was packed. */
const labelFromStation = (dataDir: string, orderId: string): Promise<Found> => {
  const filename = join(dataDir, "station.db")
  if (!existsSync(filename)) return Promise.resolve({ problem: `no station database at ${filename}` })
  return Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* Sql
      const rows = yield* sql.query<{ data: string }>(
        "SELECT data FROM parcels WHERE order_id = ? AND status <> 'voided' ORDER BY packed_at_ms DESC LIMIT 1",
        [orderId]
      )
      const row = rows[0]
      if (row === undefined) return { problem: `order ${orderId} has no packed parcel in ${filename}` }
      const data = JSON.parse(row.data) as { label: unknown }
      return { label: Schema.decodeUnknownSync(ShippingLabel)(data.label) }
    }).pipe(
      Effect.provide(layerSqlite({ filename, readonly: true })),
      Effect.catchTag("StoreError", (error) => Effect.succeed({ problem: `cannot read ${filename}: ${error.message}` }))
    )
  )
}

/** A label for one of the sample orders, numbered as the station would number its first parcel. */
const sampleLabel = (orderId: string): Found => {
  const read = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"))
  const orders = Schema.decodeUnknownSync(Schema.Array(Order))(read("orders.json"))
  const catalog = Schema.decodeUnknownSync(Schema.Array(CatalogItem))(read("catalog.json"))
  const order = orders.find((candidate) => candidate.orderId === orderId)
  if (order === undefined) return { problem: `no sample order ${orderId} (try ${orders[0]?.orderId})` }
  const profile = defaultCarrierProfiles.find((candidate) => candidate.id === order.carrier)
  if (profile === undefined)
    return { problem: `sample order ${orderId} ships with ${order.carrier}, which has no profile` }
  const address = checkAddress(order.shipTo, { locale: "en", originCountry: "DE" })
  const weightGrams = order.lines.reduce(
    (sum, line) => sum + (catalog.find((item) => item.sku === line.sku)?.weightGrams ?? 0) * line.quantity,
    0
  )
  // The codes and the declaration the pack bench would print for the same parcel (OfflineCarrier, PackService).
  const domestic = profile.identcode !== undefined && order.shipTo.country === "DE"
  const leitcode = domestic ? leitcodeFor(order.shipTo) : undefined
  const customs = needsCustoms("DE", order.shipTo.country)
    ? customsFor(
        order,
        order.lines.flatMap((line) => {
          const item = catalog.find((candidate) => candidate.sku === line.sku)
          return item === undefined ? [] : [{ lineId: line.lineId, item, quantity: line.quantity }]
        }),
        SAMPLE_SHIP_FROM[0]!
      )
    : undefined
  if (typeof customs === "string") return { problem: `sample order ${orderId}: no customs data for ${customs}` }
  return {
    label: {
      shipFrom: SAMPLE_SHIP_FROM,
      shipTo: address.formatted,
      carrier: { name: profile.name, service: profile.services[order.serviceLevel] },
      trackingNumber: trackingNumberFor(profile, 1, "DE"),
      routingCode: domestic
        ? order.shipTo.postalCode.trim()
        : routingCodeFor(order.shipTo.country, order.shipTo.postalCode),
      orderId: order.orderId,
      parcelId: "SAMPLE-000001",
      weightGrams,
      ...(leitcode === undefined ? {} : { leitcode }),
      ...(domestic && profile.identcode !== undefined ? { identcode: identcodeFor(profile.identcode, 1) } : {}),
      ...(customs === undefined ? {} : { customs })
    }
  }
}

/** `packbench label`: the bytes the label printer gets for an order's parcel, or the PDF/PNG they render to. */
export const labelCommand: Command = {
  name: "label",
  usage,
  summary: "render the shipping label of a packed order (or a sample order) as ZPL, PDF or PNG",
  run: async (argv, io) => {
    const fail = async (message: string, code: number) => {
      await writeLine(io.stderr, `packbench label: ${message}${code === 2 ? `\nusage: packbench ${usage}` : ""}`)
      return code
    }
    const parsed = parseFlags(argv, {
      format: "string",
      dpi: "string",
      out: "string",
      "data-dir": "string",
      sample: "boolean"
    })
    if (!parsed.ok) return fail(parsed.message, 2)
    const [orderId, ...extra] = parsed.positional
    if (orderId === undefined) return fail("which order? give its ORDER_ID", 2)
    if (extra.length > 0) return fail(`one order at a time, not also ${extra.join(" ")}`, 2)
    const format = parsed.values.format
    if (format !== "zpl" && format !== "pdf" && format !== "png") {
      return fail(`--format must be zpl, pdf or png, not ${format ?? "missing"}`, 2)
    }
    const dpiText = parsed.values.dpi ?? "203"
    if (dpiText !== "203" && dpiText !== "300") return fail(`--dpi must be 203 or 300, not ${dpiText}`, 2)
    const dpi: LabelDpi = dpiText === "300" ? 300 : 203
    const dataDir = resolve(io.cwd, parsed.values["data-dir"] ?? io.env.PACKBENCH_DATA_DIR ?? ".packbench")
    const found =
      parsed.values.sample === true
        ? sampleLabel(orderId.toUpperCase())
        : await labelFromStation(dataDir, orderId.toUpperCase())
    if ("problem" in found) return fail(found.problem, 1)
    const zpl = await Effect.runPromise(Effect.result(encodeZpl(found.label, { dpi })))
    if (zpl._tag === "Failure") return fail(`the label cannot be printed: ${zpl.failure.message}`, 1)
    const bytes =
      format === "zpl"
        ? zpl.success
        : await renderZpl(zpl.success, dpi).then((rendered) =>
            format === "pdf" ? rendered.pdf : pdfToPng(rendered.pdf, dpi)
          )
    if (parsed.values.out !== undefined) {
      await writeFile(resolve(io.cwd, parsed.values.out), bytes)
      await writeLine(io.stderr, `packbench label: wrote ${bytes.length} bytes of ${format} to ${parsed.values.out}`)
    } else {
      await new Promise<void>((done, reject) => io.stdout.write(bytes, (error) => (error ? reject(error) : done())))
    }
    return 0
  }
}
