/** The hub database configuration: a SQLite file or a PostgreSQL server. */
import { isAbsolute, join } from "node:path"
import type { Layer } from "effect"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { layerPostgres } from "../postgres/PgSql.ts"

/** The hub's database: a SQLite file (the embedded default) or a PostgreSQL server several hubs can share. */
export type HubDatabase =
  | {
      readonly dialect: "sqlite"
      readonly filename: string
      /**
       * Commits synced on the thread pool, not on the event loop (`SqliteOptions.syncOffLoop`): for a hub in a
       * process of its own. Not for the hub inside a station, whose event loop also feeds the embedded broker.
       */
      readonly syncOffLoop?: boolean
    }
  | { readonly dialect: "postgres"; readonly url: string }

/** The default: `hub.db` in the hub's data directory. */
export const defaultHubDatabase = (dataDir: string): HubDatabase => ({
  dialect: "sqlite",
  filename: join(dataDir, "hub.db")
})

/**
 * Reads `--db` (or the setting `name`): a `postgres://` or `postgresql://` URL, or a SQLite path (relative to `cwd`).
 * Anything else with a scheme is refused rather than taken for a file name.
 */
export const parseHubDatabase = (
  value: string,
  cwd: string,
  name = "--db"
): { readonly ok: true; readonly database: HubDatabase } | { readonly ok: false; readonly message: string } => {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value)
    } catch {
      return { ok: false, message: `${name} ${value.replace(/:[^:@/]*@/, ":***@")} is not a valid URL` }
    }
    return { ok: true, database: { dialect: "postgres", url: value } }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return {
      ok: false,
      message: `${name} takes a postgres:// URL or a SQLite file path, not ${value.split("://")[0]}://`
    }
  }
  if (value.length === 0) return { ok: false, message: `${name} is empty` }
  return { ok: true, database: { dialect: "sqlite", filename: isAbsolute(value) ? value : join(cwd, value) } }
}

export const describeHubDatabase = (database: HubDatabase): string => {
  if (database.dialect === "sqlite") return `SQLite ${database.filename}`
  try {
    const url = new URL(database.url)
    return `PostgreSQL ${url.hostname}:${url.port || "5432"}${url.pathname}`
  } catch {
    return "PostgreSQL"
  }
}

export const layerHubDatabase = (database: HubDatabase): Layer.Layer<Sql, StoreError> =>
  database.dialect === "sqlite"
    ? layerSqlite({ filename: database.filename, syncOffLoop: database.syncOffLoop === true })
    : layerPostgres({ url: database.url })
