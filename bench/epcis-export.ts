// EPCIS export bench: a station log of 1,000,000 realistic events (item scans, packed parcels, handovers, quantity
// changes without EPCIS meaning), then `packbench epcis export --out` of all of them in a child process, timed, with
// its peak RSS (/usr/bin/time) and its RSS sampled over the run to show the export streams. Prints figures; asserts
// nothing.   npx tsx bench/epcis-export.ts [--events N]
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { PackItemVerified, ParcelHandedToCarrier, ParcelPacked } from "../core/pack/PackEvents.ts"
import { stationMigrations } from "../core/station/migrations/index.ts"
import { migrate } from "../core/store/Migrations.ts"
import { StationClock } from "../core/time/Clock.ts"
import { layerSqlite, openSqlite } from "../drivers/sqlite/SqliteSql.ts"

const args = process.argv.slice(2)
const eventsFlag = args.indexOf("--events")
const total = eventsFlag === -1 ? 1_000_000 : Number(args[eventsFlag + 1])
if (!Number.isInteger(total) || total < 1 || total > 50_000_000) throw new Error("--events needs a count")

const dataDir = mkdtempSync(join(tmpdir(), "pb-bench-epcis-"))
const dbPath = join(dataDir, "station.db")
const startMs = Date.UTC(2026, 0, 5, 7)

await Effect.runPromise(
  migrate(stationMigrations).pipe(
    Effect.provide(Layer.merge(layerSqlite({ filename: dbPath }), StationClock.manual(startMs).layer))
  )
)

// One parcel's story, eight events: three scans (two serialised, one by lot), a quantity change (no EPCIS view),
// the packing, two more scans of the next order's first units, the handover.
const story = (parcel: number) => {
  const orderId = `SO-${100_000 + parcel}`
  const gtin = `042601234${String(50_000 + (parcel % 40_000)).padStart(5, "0")}`
  const scan = (serial: string | undefined, lot: string | undefined) => {
    const payload = {
      orderId,
      lineId: "1",
      sku: `SKU-${parcel % 500}`,
      gtin,
      ...(serial === undefined ? {} : { serial }),
      ...(lot === undefined ? {} : { lot }),
      quantity: 1,
      raw: `(01)${gtin}${serial === undefined ? `(10)${lot}` : `(21)${serial}`}`,
      deviceId: "scanner-1"
    }
    return { type: PackItemVerified.type, payload, epcis: PackItemVerified.epcis!(payload) }
  }
  const ssccUrn = `urn:epc:id:sscc:4260123.0${String(parcel).padStart(9, "0")}`
  const packed = {
    orderId,
    parcelId: `P-${parcel}`,
    ssccUrn,
    items: [
      { lineId: "1", sku: "S", gtin, quantity: 2, shortShipped: 0, serials: [`A${parcel}`, `B${parcel}`], lots: [] },
      { lineId: "2", sku: "L", gtin, quantity: 3, shortShipped: 0, serials: [], lots: [{ lot: "L7", quantity: 2 }] }
    ],
    shortShips: [],
    weightGrams: 812,
    weightSource: "scale" as const,
    expectedWeightGrams: 800,
    boxId: "BOX-M",
    carrier: "dhl-paket",
    trackingNumber: `00340434${String(parcel).padStart(12, "0")}`,
    packer: { badgeId: "B-1001", name: "Jana Krüger" },
    stationId: "PACK-01"
  }
  const handed = {
    batchId: `H-${Math.floor(parcel / 50)}`,
    parcelId: `P-${parcel}`,
    orderId,
    carrier: "dhl-paket",
    trackingNumber: packed.trackingNumber,
    ssccUrn
  }
  return [
    scan(`A${parcel}`, undefined),
    scan(`B${parcel}`, undefined),
    scan(undefined, "L7"),
    { type: "pack.quantity-set", payload: { orderId, lineId: "2", sku: "L", gtin, quantity: 3, previous: 1 } },
    { type: ParcelPacked.type, payload: packed, epcis: ParcelPacked.epcis!(packed) },
    scan(`C${parcel}`, undefined),
    scan(undefined, "L8"),
    { type: ParcelHandedToCarrier.type, payload: handed, epcis: ParcelHandedToCarrier.epcis!(handed) }
  ]
}

const generateStarted = performance.now()
const db = openSqlite({ filename: dbPath })
const insert = db.prepare(
  `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms, record_time_ms,
     actor, payload, epcis) VALUES (?, ?, ?, 1, 'bench-epoch', ?, ?, 3.5, ?, '{"role":"packer","badgeId":"B-1001"}', ?, ?)`
)
const insertBatch = db.transaction((from: number, to: number) => {
  for (let seq = from; seq <= to; seq++) {
    const parcel = Math.floor((seq - 1) / 8)
    const event = story(parcel)[(seq - 1) % 8]!
    // About one event every 4 s of device time: a million spans some six weeks of one bench.
    const wallMs = startMs + seq * 4_000
    insert.run(
      seq,
      randomUUID(),
      event.type,
      wallMs,
      String(seq * 4_000_000_000),
      wallMs + 40,
      JSON.stringify(event.payload),
      event.epcis === undefined ? null : JSON.stringify(event.epcis)
    )
  }
})
for (let from = 1; from <= total; from += 10_000) insertBatch(from, Math.min(total, from + 9_999))
db.close()
const generateSeconds = (performance.now() - generateStarted) / 1000
console.log(
  `station log: ${total.toLocaleString("en")} events generated in ${generateSeconds.toFixed(1)} s, ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`
)

const out = join(dataDir, "export.jsonld")
const from = new Date(startMs).toISOString()
const to = new Date(startMs + (total + 1) * 4_000).toISOString()
const cli = join(import.meta.dirname, "../drivers/cli/packbench.mjs")
const started = performance.now()
const child = spawn(
  "/usr/bin/time",
  [
    "-f",
    "maxrss_kb=%M",
    process.execPath,
    cli,
    "epcis",
    "export",
    "--from",
    from,
    "--to",
    to,
    "--out",
    out,
    "--data-dir",
    dataDir
  ],
  { stdio: ["ignore", "inherit", "pipe"], env: { ...process.env, PACKBENCH_TIME_ZONE: "Europe/Berlin" } }
)
let stderr = ""
child.stderr.on("data", (chunk: Buffer) => {
  stderr += chunk.toString()
})
// RSS of the export (the node process under /usr/bin/time) every half second.
const samples: Array<{ readonly seconds: number; readonly rssMb: number }> = []
const sampler = setInterval(() => {
  try {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim()
    const pid = children.split(" ")[0]
    if (pid === undefined || pid === "") return
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
    if (rss !== undefined) samples.push({ seconds: (performance.now() - started) / 1000, rssMb: Number(rss) / 1024 })
  } catch {
    // The process is starting or has just ended: no sample this time.
  }
}, 500)
const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
clearInterval(sampler)
const seconds = (performance.now() - started) / 1000
const exported = Number(/(\d+) EPCIS events/.exec(stderr)?.[1] ?? Number.NaN)
const peakKb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? Number.NaN)
console.log(
  `export exit ${code}: ${stderr
    .trim()
    .split("\n")
    .filter((line) => !line.startsWith("maxrss"))
    .join(" ")}`
)
console.log(
  `epcis export: ${exported.toLocaleString("en")} EPCIS events of ${total.toLocaleString("en")} in ${seconds.toFixed(1)} s ` +
    `(${Math.round(exported / seconds).toLocaleString("en")} events/s, ${Math.round(total / seconds).toLocaleString("en")} log rows/s), ` +
    `document ${(statSync(out).size / 1e6).toFixed(0)} MB, peak RSS ${(peakKb / 1024).toFixed(0)} MB`
)
const step = Math.max(1, Math.ceil(samples.length / 20))
console.log(
  `RSS over time (s: MB): ${samples
    .filter((_, index) => index % step === 0 || index === samples.length - 1)
    .map((sample) => `${sample.seconds.toFixed(1)}: ${sample.rssMb.toFixed(0)}`)
    .join(", ")}`
)
rmSync(dataDir, { recursive: true, force: true })
