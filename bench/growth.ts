// Cost as work grows: the same pack run (scan-to-label, throughput, outbox drain) on a fresh station and on one whose
// event log already holds 10,000,000 events and whose embedded hub already holds 10,000,000 notifications (sent) and
// 2,000,000 parcels (timers over), with the ratio. The old rows are written straight into the two SQLite files,
// marked published and confirmed (station outbox and hub cursor), as a station that ran for years would have them.
// Prints figures; asserts nothing.
//   npx tsx bench/growth.ts [--orders N] [--events N] [--notifications N] [--parcels N] [--keep]
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import type { ResolvedConfig } from "../core/config/StationConfig.ts"
import { percentile, runPackSimulation } from "../drivers/simulation/PackSimulation.ts"
import { openSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { loadConfig } from "../drivers/station/loadConfig.ts"
import { startStation } from "../drivers/station/Station.ts"

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "300" },
    events: { type: "string", default: "10000000" },
    notifications: { type: "string", default: "10000000" },
    parcels: { type: "string", default: "2000000" },
    keep: { type: "boolean", default: false }
  }
})
const count = (name: keyof typeof values) => {
  const value = Number(values[name])
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number >= 0`)
  return value
}
const orders = Math.max(1, count("orders"))
const events = count("events")
const notifications = count("notifications")
const parcels = count("parcels")

const configFor = (dataDir: string): ResolvedConfig =>
  loadConfig({ cwd: dataDir, env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_EMBEDDED_BROKER_PORT: "0" } })

const BATCH = 50_000

/** Years of history: `events` old events after the station's own, published and confirmed; the hub's cursor past them. */
const growStation = (dataDir: string) => {
  const station = openSqlite({ filename: join(dataDir, "station.db") })
  const hub = openSqlite({ filename: join(dataDir, "hub", "hub.db") })
  try {
    const last = station.prepare("SELECT * FROM events ORDER BY seq DESC LIMIT 1").get() as Record<string, unknown>
    // An order arriving is what a fresh station has logged; its payload is a full order, the larger kind of event.
    const sample = (station.prepare("SELECT * FROM events WHERE epcis IS NOT NULL ORDER BY seq DESC LIMIT 1").get() ??
      last) as Record<string, unknown>
    const base = Number(last.seq)
    const epoch = String(last.epoch)
    const insert = station.prepare(
      `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms, record_time_ms,
         actor, payload, epcis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    const wallMs = Number(last.event_wall_ms)
    for (let start = 1; start <= events; start += BATCH) {
      station.transaction(() => {
        for (let n = start; n < Math.min(start + BATCH, events + 1); n++) {
          insert.run(
            base + n,
            `grow-${n.toString(36)}-${base}`,
            sample.type,
            sample.version,
            epoch,
            wallMs,
            String(BigInt(String(last.event_mono_ns)) + BigInt(n)),
            sample.ntp_offset_ms,
            wallMs,
            sample.actor,
            sample.payload,
            sample.epcis
          )
        }
      })()
      if ((start - 1) % 1_000_000 === 0) process.stderr.write(`events: ${start - 1}\n`)
    }
    const end = base + events
    station
      .prepare("UPDATE sync_outbox_epochs SET published_seq = ?, confirmed_seq = ?, end_seq = NULL WHERE epoch = ?")
      .run(end, end, epoch)
    const moved = hub.prepare("UPDATE sync_consumer_cursor SET last_seq = ? WHERE epoch = ?").run(end, epoch)
    if (moved.changes !== 1) throw new Error(`the hub has no cursor for epoch ${epoch}`)

    const notification = hub.prepare(
      `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
       VALUES (?, 'shipped', ?, ?, ?, ?)`
    )
    const outbox = hub.prepare(
      `INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms, recipient, subject, sent_at_ms)
       VALUES (?, 'email', 'sent', 1, ?, 'kunde@example.test', 'Ihr Paket ist unterwegs', ?)`
    )
    for (let start = 1; start <= notifications; start += BATCH) {
      hub.transaction(() => {
        for (let n = start; n < Math.min(start + BATCH, notifications + 1); n++) {
          const id = `grow-n-${n}`
          notification.run(id, `GROW-P-${n}`, `GROW-O-${n}`, `grow-e-${n}`, wallMs)
          outbox.run(id, wallMs, wallMs)
        }
      })()
      if ((start - 1) % 1_000_000 === 0) process.stderr.write(`notifications: ${start - 1}\n`)
    }
    const parcel = hub.prepare(
      `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, status, packed_at_ms,
         handed_at_ms, delivered_at_ms, updated_at_ms, timers_done_at_ms)
       VALUES (?, ?, 'dhl-paket', ?, ?, 'delivered', ?, ?, ?, ?, ?)`
    )
    for (let start = 1; start <= parcels; start += BATCH) {
      hub.transaction(() => {
        for (let n = start; n < Math.min(start + BATCH, parcels + 1); n++) {
          parcel.run(`GROW-P-${n}`, `GROW-O-${n}`, `GROW${n}`, `grow-t-${n}`, wallMs, wallMs, wallMs, wallMs, wallMs)
        }
      })()
    }
    station.pragma("wal_checkpoint(TRUNCATE)")
    hub.pragma("wal_checkpoint(TRUNCATE)")
  } finally {
    station.close()
    hub.close()
  }
}

/** Waits until the embedded hub's cursor has reached the station's last event. */
const caughtUp = async (dataDir: string) => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const station = openSqlite({ filename: join(dataDir, "station.db"), readonly: true })
    const hub = openSqlite({ filename: join(dataDir, "hub", "hub.db"), readonly: true })
    try {
      const last = Number((station.prepare("SELECT MAX(seq) AS seq FROM events").get() as { seq: number }).seq)
      const cursor = hub.prepare("SELECT MAX(last_seq) AS seq FROM sync_consumer_cursor").get() as {
        seq: number | null
      }
      if (cursor.seq !== null && Number(cursor.seq) >= last) return
    } finally {
      station.close()
      hub.close()
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error("the embedded hub did not take the first start's events within 60 s")
}

const run = async (label: string, dataDir: string) => {
  const started = performance.now()
  const result = await runPackSimulation({
    config: configFor(dataDir),
    orders,
    renderPrintouts: false,
    seed: 1,
    log: () => {}
  })
  const elapsedS = (performance.now() - started) / 1000
  const times = result.parcels.flatMap((parcel) => (parcel.scanToLabelMs === undefined ? [] : [parcel.scanToLabelMs]))
  const sorted = [...times].sort((a, b) => a - b)
  const figures = {
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ordersPerSecond: result.summary.ordersPerSecond,
    outboxDepth: result.summary.outboxDepth
  }
  console.log(
    `${label}: scan-to-label median ${figures.median.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms over ` +
      `${sorted.length} labels; ${figures.ordersPerSecond} orders/s (${elapsedS.toFixed(1)} s with start and stop); ` +
      `outbox depth at end ${figures.outboxDepth}; packed ${result.summary.packed}/${orders}`
  )
  return figures
}

const fresh = mkdtempSync(join(tmpdir(), "pb-growth-fresh-"))
const grown = mkdtempSync(join(tmpdir(), "pb-growth-grown-"))
try {
  // The first start loads the sample data and lets the embedded hub take every event, so its cursor row exists.
  const first = await startStation({ config: configFor(grown), http: false, log: () => {} })
  await caughtUp(grown)
  await first.close()
  const growStarted = performance.now()
  growStation(grown)
  const size = (file: string) => (statSync(join(grown, file)).size / 1e9).toFixed(2)
  console.log(
    `grown station: ${events} events (station.db ${size("station.db")} GB), ${notifications} notifications and ` +
      `${parcels} parcels (hub.db ${size(join("hub", "hub.db"))} GB), written in ${((performance.now() - growStarted) / 1000).toFixed(0)} s`
  )
  const before = await run("fresh station", fresh)
  const after = await run("grown station", grown)
  console.log(
    `grown / fresh: scan-to-label median ${(after.median / before.median).toFixed(2)}x, p99 ` +
      `${(after.p99 / before.p99).toFixed(2)}x, throughput ${(after.ordersPerSecond / before.ordersPerSecond).toFixed(2)}x`
  )
} finally {
  if (values.keep) console.log(`kept: ${fresh} ${grown}`)
  else {
    rmSync(fresh, { recursive: true, force: true })
    rmSync(grown, { recursive: true, force: true })
  }
}
