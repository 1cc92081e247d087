import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { migrate } from "../store/Migrations.ts"
import { StationClock } from "../time/Clock.ts"
import { AuditLog, MAX_AUDIT_DETAIL_CHARS } from "./AuditLog.ts"

const recorded = (detail: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      const audit = yield* AuditLog
      yield* audit.record({ operator: null, action: "rules.replace", outcome: "done", detail })
      return (yield* audit.recent(1))[0]!.detail
    }).pipe(
      Effect.provide(
        AuditLog.layer.pipe(
          Layer.provideMerge(
            Layer.merge(
              layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-audit-")), "station.db") }),
              StationClock.manual(1_795_000_000_000).layer
            )
          )
        )
      )
    )
  )

describe("an audit entry's detail", () => {
  it("keeps its lines and is cut to its most characters before a character of two UTF-16 units, never inside it", async () => {
    expect(await recorded("rule 1\nrule 2")).toBe("rule 1\nrule 2")
    const detail = await recorded(`${"r".repeat(MAX_AUDIT_DETAIL_CHARS - 2)}📦 and more rules`)
    expect(detail).toBe(`${"r".repeat(MAX_AUDIT_DETAIL_CHARS - 2)}…`)
    expect(detail).not.toMatch(/[\uD800-\uDFFF]/u)
  })
})
