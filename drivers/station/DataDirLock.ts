/** Locks a data dir so only one station process uses it. */
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect } from "effect"

/** Held by the one station process that owns a data dir; `release` lets the next one in. */
export interface DataDirLock {
  readonly release: () => void
}

export class DataDirLocked extends Error {}

/**
 * Takes the data dir for this process, so a second station on the same data dir stops at start instead of sharing
 * the event log, the broker identity and the printers. The lock is SQLite's own exclusive lock on a small lock file
 * (`station.lock`), held for the process's life: it is an fcntl lock, so the kernel drops it when the process dies,
 * even by kill -9, and no stale lock file can keep a restarted station out. Read-only tools (`outbox`,
 * `events tail`, `doctor`) do not take it.
 */
export const lockDataDir = (dataDir: string): DataDirLock => {
  const file = join(dataDir, "station.lock")
  const db = new Database(file, { timeout: 0 })
  try {
    db.pragma("locking_mode = EXCLUSIVE")
    db.exec("BEGIN EXCLUSIVE")
  } catch (error) {
    db.close()
    const code = (error as { readonly code?: string }).code
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      throw new DataDirLocked(
        `the data dir ${dataDir} is in use by another station process (it holds ${file}); stop that station first, or give this one its own dataDir (PACKBENCH_DATA_DIR)`
      )
    }
    throw error
  }
  let released = false
  return {
    release: () => {
      if (released) return
      released = true
      db.exec("ROLLBACK")
      db.close()
    }
  }
}

/** The lock as a scoped resource: taken when the station's scope opens, released when it closes. */
export const holdDataDir = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => lockDataDir(dataDir),
      catch: (error) => (error instanceof Error ? error : new Error(String(error)))
    }),
    (lock) => Effect.sync(() => lock.release())
  ).pipe(Effect.asVoid)
