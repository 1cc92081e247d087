import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { encodeZpl } from "../../../core/label/encodeZpl.ts"
import { exampleLabel } from "../../../core/label/exampleLabel.ts"
import { stationMigrations } from "../../../core/station/migrations/index.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../sqlite/SqliteSql.ts"
import { labelCommand } from "./label.ts"

const run = async (argv: ReadonlyArray<string>) => {
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: Array<Buffer> = []
  let err = ""
  stdout.on("data", (chunk: Buffer) => out.push(chunk))
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8")
  })
  stdin.end()
  const code = await labelCommand.run(argv, { stdin, stdout, stderr, env: {}, cwd: "/" })
  return { code, out: Buffer.concat(out), err }
}

/** A station database holding one packed parcel of SO-100001 and one voided parcel of it before. */
const stationWithParcel = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pb-label-"))
  const label = { ...exampleLabel, orderId: "SO-100001", trackingNumber: "00334043400000010008" }
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      const sql = yield* Sql
      for (const [parcelId, status, tracking, at] of [
        ["PACK-01-000001", "voided", "00334043400000010015", 1],
        ["PACK-01-000002", "packed", label.trackingNumber, 2]
      ] as const) {
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, tracking_number, sscc, box_id, weight_grams, data,
             packed_at_ms) VALUES (?, 'SO-100001', ?, 'dhl-paket', ?, NULL, 'S', 860, ?, ?)`,
          [parcelId, status, tracking, JSON.stringify({ label: { ...label, trackingNumber: tracking } }), at]
        )
      }
    }).pipe(
      Effect.provide(layerSqlite({ filename: join(dir, "station.db") })),
      Effect.provide(StationClock.manual(0).layer)
    )
  )
  return { dir, label }
}

describe("packbench label", () => {
  it("prints the exact ZPL the label printer got for the order's current parcel", async () => {
    const { dir, label } = await stationWithParcel()
    const { code, out } = await run(["so-100001", "--format", "zpl", "--data-dir", dir])
    expect(code).toBe(0)
    expect(new Uint8Array(out)).toEqual(await Effect.runPromise(encodeZpl(label, { dpi: 203 })))
    const at300 = await run(["SO-100001", "--format=zpl", "--dpi", "300", "--data-dir", dir])
    expect(at300.out.toString("utf8")).toContain("^PW1218")
  })

  it("writes a PDF and a PNG of a sample order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-label-out-"))
    const pdf = await run(["SO-100002", "--sample", "--format", "pdf", "--out", join(dir, "l.pdf")])
    expect(pdf.code).toBe(0)
    expect(readFileSync(join(dir, "l.pdf")).subarray(0, 5).toString("latin1")).toBe("%PDF-")
    const png = await run(["SO-100002", "--sample", "--format", "png"])
    expect(png.code).toBe(0)
    expect([...png.out.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47])
  })

  it("prints a sample's DHL sorting codes and, leaving the EU, its customs declaration as a second format", async () => {
    const packstation = (await run(["SO-100010", "--sample", "--format", "zpl"])).out.toString("utf8")
    expect(packstation).toMatch(/\^B2N,\d+,Y,N,N\^FD2009599412300\d\^FS/)
    expect(packstation).toMatch(/\^B2N,\d+,Y,N,N\^FD20434000001\d\^FS/)
    const us = (await run(["SO-100008", "--sample", "--format", "zpl"])).out.toString("utf8")
    expect(us.match(/\^XA/g)).toHaveLength(2)
    expect(us).toContain("CUSTOMS DECLARATION CN 22")
    expect(us).toContain("HS 851310")
  })

  it("says what is wrong: unknown order, no database, bad flags", async () => {
    const { dir } = await stationWithParcel()
    const none = await run(["SO-100002", "--format", "zpl", "--data-dir", dir])
    expect(none.code).toBe(1)
    expect(none.err).toContain("no packed parcel")
    const noDb = await run(["SO-100001", "--format", "zpl", "--data-dir", join(dir, "nowhere")])
    expect(noDb.code).toBe(1)
    expect(noDb.err).toContain("no station database")
    expect((await run(["SO-100001", "--format", "gif"])).code).toBe(2)
    expect((await run(["SO-100001", "--format", "zpl", "--dpi", "600"])).code).toBe(2)
    expect((await run(["--format", "zpl"])).code).toBe(2)
    expect((await run(["SO-999999", "--sample", "--format", "zpl"])).err).toContain("no sample order")
  })
})
