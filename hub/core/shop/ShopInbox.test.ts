import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Logger } from "effect"
import { expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { quarantineShopPayload } from "./ShopInbox.ts"

it("logs a quarantined order on one line: the shop's id and words cannot start a log line of their own", async () => {
  const logged: Array<string> = []
  // A generic shop signs whatever its order id and number are; the refusal quotes the number.
  const forged = "1\ntimestamp=2026-12-06T12:00:00Z level=INFO message=all shops healthy"
  const stored = await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      const sql = yield* Sql
      yield* quarantineShopPayload(
        sql,
        {
          connectorId: "generic",
          shopOrderId: forged,
          reason: `order number "${forged}" cannot become a station order id`,
          payload: { text: "{}", sha256: "0".repeat(64) }
        },
        Date.UTC(2026, 11, 6, 12)
      )
      return yield* sql.query<{ shop_order_id: string }>("SELECT shop_order_id FROM shop_quarantine")
    }).pipe(
      Effect.provide(layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-shop-inbox-")), "hub.db") })),
      Effect.provide(StationClock.manual(Date.UTC(2026, 11, 6, 12)).layer),
      Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))]))
    )
  )
  expect(logged).toEqual([
    'shop generic: quarantined order 1 timestamp=2026-12-06T12:00:00Z level=INFO message=all shops healthy: order number "1 timestamp=2026-12-06T12:00:00Z level=INFO message=all shops healthy" cannot become a station order id'
  ])
  // The row keeps what the shop sent: a manager reads it on the Shop card, where a line break is no line of a log.
  expect(stored).toEqual([{ shop_order_id: forged }])
})
