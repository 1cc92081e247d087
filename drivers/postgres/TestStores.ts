import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import type { Sql, StoreError } from "../../core/store/Sql.ts"
import type { HubDatabase } from "../hub/HubDatabase.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { layerPostgres } from "./PgSql.ts"
import { type Postgres, startPostgres } from "./PostgresProcess.ts"

/**
 * A store a shared test suite runs against: each call gives a fresh, empty database, so tests stay independent
 * whichever dialect they run on.
 */
export interface TestStore {
  readonly dialect: "sqlite" | "postgres"
  readonly layer: () => Layer.Layer<Sql, StoreError>
  readonly database: () => Promise<HubDatabase>
}

export const sqliteTestStore: TestStore = {
  dialect: "sqlite",
  layer: () => layerSqlite({ filename: ":memory:" }),
  database: async () => ({ dialect: "sqlite", filename: join(mkdtempSync(join(tmpdir(), "pb-hub-db-")), "hub.db") })
}

/**
 * PostgreSQL for the calling test file: started once in its `beforeAll` (a real server from Debian's packages on
 * 127.0.0.1), stopped and removed in its `afterAll`; each test gets its own database on it.
 */
export const postgresTestStoreForFile = (): TestStore => {
  let server: Postgres | undefined
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })
  const running = () => {
    if (server === undefined) throw new Error("PostgreSQL is not running: use the store inside a test")
    return server
  }
  return {
    dialect: "postgres",
    layer: () =>
      Layer.unwrap(
        Effect.promise(() => running().createDatabase("hub")).pipe(Effect.map((url) => layerPostgres({ url })))
      ),
    database: async () => ({ dialect: "postgres", url: await running().createDatabase("hub") })
  }
}
