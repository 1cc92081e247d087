import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, describe, expect, it } from "vitest"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { statementFor } from "../../core/store/Migrations.ts"
import { hubMigrations } from "../../hub/core/notify/migrations/hubMigrations.ts"
import { runPackSimulation } from "../simulation/PackSimulation.ts"
import { loadConfig } from "./loadConfig.ts"

/**
 * Tables that stay small however long a station or hub runs (settings, cursors, one row per station or box): reading
 * all of them is fine. Every other table grows with orders, parcels, returns, events or mail.
 */
const SMALL_TABLES = new Set([
  "schema_migrations",
  "station_meta",
  "pack_session",
  "pack_counters",
  "number_ranges",
  "pending_labels",
  "carrier_cancellations",
  "label_reservations",
  "badges",
  "boxes",
  "sync_outbox_epochs",
  "sync_consumer_cursor",
  // Events held for a gap before them: released (deleted) as soon as the gap is filled.
  "sync_consumer_held",
  // Corrections owed for old events, listed once by station migration 0110 and struck off as each is appended.
  "refund_corrections_due"
])

const migrationTexts = new Set(
  [...stationMigrations, ...hubMigrations].flatMap((migration) =>
    migration.statements.flatMap((statement) => statementFor(statement, "sqlite")?.trim() ?? [])
  )
)

/** Run once when a fresh station loads the sample orders, never again. */
const ONCE_AT_FIRST_START = new Set(["SELECT data FROM orders ORDER BY order_id"])

/** Partial indexes of the rows still open: walking one reads only those. */
const PARTIAL_INDEXES = /USING (COVERING )?INDEX (handover_batches_open|returns_open|hub_parcels_timers_due)$/

// Every statement the station and its embedded hub prepare, by database file, recorded from better-sqlite3 itself.
// Read-only connections are the simulation's own (its order feed and clerk read the station's file), not the station's.
const prepared = new Map<string, Set<string>>()
const originalPrepare = Database.prototype.prepare
Database.prototype.prepare = function (this: Database.Database, source: string) {
  if (this.readonly) return originalPrepare.call(this, source)
  const seen = prepared.get(this.name) ?? new Set<string>()
  prepared.set(this.name, seen)
  seen.add(source)
  return originalPrepare.call(this, source)
} as typeof originalPrepare
afterAll(() => {
  Database.prototype.prepare = originalPrepare
})

describe("the queries a working station and its hub run", () => {
  it("never scan a table that grows: packing, handing over, returns and the hub's mail all go through indexes", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-query-plans-"))
    const config = loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_EMBEDDED_BROKER_PORT: "0", PACKBENCH_HUB_ORDER_CONFIRMATIONS: "on" }
    })
    const run = await runPackSimulation({
      config,
      orders: 12,
      renderPrintouts: false,
      seed: 7,
      returns: { count: 3, waitMs: 30_000 },
      log: () => {}
    })
    expect(run.summary.packed).toBe(12)
    expect(run.summary.returns?.graded).toBeGreaterThan(0)

    const scans: Array<string> = []
    let checked = 0
    for (const [file, sources] of prepared) {
      if (file === ":memory:") continue
      const db = new Database(file, { readonly: true })
      // A name in a plan that is no table is a subquery's or a CTE's result, whose own tables are checked too.
      const tables = new Set(
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(
          (row) => row.name
        )
      )
      try {
        for (const source of sources) {
          if (migrationTexts.has(source.trim()) || ONCE_AT_FIRST_START.has(source.trim())) continue
          if (!/^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b/i.test(source)) continue
          const parameters = new Array((source.match(/\?/g) ?? []).length).fill(null)
          const plan = db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...parameters) as Array<{ detail: string }>
          checked++
          for (const { detail } of plan) {
            const scanned = /^SCAN (\w+)(?: AS (\w+))?/.exec(detail)
            // A multi-row INSERT walks its own VALUES list, not a table.
            if (scanned === null || detail.startsWith("SCAN CONSTANT") || /^SCAN \d+-ROW VALUES CLAUSE/.test(detail))
              continue
            if (PARTIAL_INDEXES.test(detail)) continue
            const table = tableOf(source, scanned[1]!)
            if (!SMALL_TABLES.has(table) && tables.has(table))
              scans.push(`${file.split("/").pop()}: ${detail} in ${source.replace(/\s+/g, " ")}`)
          }
        }
      } finally {
        db.close()
      }
    }
    expect(checked).toBeGreaterThan(100)
    expect(scans).toEqual([])
  }, 240_000)
})

/** The table behind a name in a plan: the name itself, or the table an alias (`FROM parcels p`) stands for. */
const tableOf = (source: string, name: string): string => {
  const aliased = new RegExp(`\\b(?:FROM|JOIN)\\s+(\\w+)\\s+(?:AS\\s+)?${name}\\b`, "i").exec(source)
  return aliased?.[1] ?? name
}
