import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { AuditLog } from "../../audit/AuditLog.ts"
import { CurrentClient } from "../../session/Client.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0091 (audit log)", () => {
  it("adds an audit table to a station at 0090 that takes new entries and refuses every change and deletion", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m91-")), "station.db")
    const base = Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 90))
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 91))
        const audit = yield* AuditLog
        yield* Effect.provideService(
          audit.record({
            operator: { badgeId: "B-9001", name: "Katrin Vogel", role: "manager" },
            action: "pack.void",
            outcome: "done",
            detail: "x".repeat(5_000)
          }),
          CurrentClient,
          { id: "web-0123456789ab", address: "127.0.0.1" }
        )
        yield* audit.record({ operator: null, action: "rules.replace", outcome: "refused", detail: "not-signed-in" })
        const update = yield* Effect.exit(sql.execute("UPDATE audit_log SET outcome = 'refused'"))
        const remove = yield* Effect.exit(sql.execute("DELETE FROM audit_log"))
        const badOutcome = yield* Effect.exit(
          sql.execute(
            "INSERT INTO audit_log (at_ms, client_id, action, outcome, detail) VALUES (0, 'local', 'x', 'maybe', '')"
          )
        )
        return { applied, update, remove, badOutcome, entries: yield* audit.recent(10) }
      }).pipe(Effect.provide(AuditLog.layer.pipe(Layer.provideMerge(base))))
    )
    expect(result.applied).toEqual([91])
    expect(Exit.isFailure(result.update)).toBe(true)
    expect(String(Exit.isFailure(result.update) && result.update.cause)).toMatch(/append-only/)
    expect(Exit.isFailure(result.remove)).toBe(true)
    expect(Exit.isFailure(result.badOutcome)).toBe(true)
    expect(result.entries).toHaveLength(2)
    expect(result.entries[0]).toMatchObject({
      operator: null,
      clientId: "local",
      clientAddress: null,
      outcome: "refused"
    })
    expect(result.entries[1]).toMatchObject({
      atMs: 1_795_000_000_000,
      operator: { badgeId: "B-9001", role: "manager" },
      clientId: "web-0123456789ab",
      clientAddress: "127.0.0.1",
      action: "pack.void",
      outcome: "done"
    })
    expect(result.entries[1]?.detail.length).toBe(1_000)
  })
})
