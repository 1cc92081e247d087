/**
 * The SQL port over better-sqlite3 (WAL, synchronous=FULL but for a transaction that need not be durable), with SQLite's failures mapped to what a person can act on.
 */
import Database from "better-sqlite3"
import { Context, Effect, Layer, Semaphore } from "effect"
import { Sql, type SqlValue, StoreError, type StoreFailure, type TransactionOptions } from "../../core/store/Sql.ts"

export interface SqliteOptions {
  /** A file path, or ":memory:" for tests that need no durability. */
  readonly filename: string
  readonly readonly?: boolean
}

/**
 * Marks the fibers that run inside a transaction, so their statements join it instead of waiting for the lock
 * the transaction itself holds, and holds its `write` statements when it batches them.
 */
const InTransaction = Context.Reference<TransactionState | undefined>("packbench/drivers/sqlite/InTransaction", {
  defaultValue: () => undefined
})

interface TransactionState {
  /** `write` statements not run yet, in order (a transaction opened with `batchWrites`); undefined: none held. */
  readonly pending: Array<{ readonly text: string; readonly params: ReadonlyArray<SqlValue> | undefined }> | undefined
  /** A held statement failed: every later statement of the transaction fails, so it cannot commit without it. */
  failed: string | undefined
}

/** SQLite result codes (sqlite.org/rescode.html) mapped to what a person can act on. */
const failureOf = (code: string | undefined): StoreFailure => {
  switch (code) {
    case "SQLITE_FULL":
      return "DiskFull"
    case "SQLITE_READONLY":
    case "SQLITE_READONLY_DBMOVED":
    case "SQLITE_CANTOPEN":
    case "SQLITE_PERM":
      return "ReadOnly"
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return "Busy"
    case "SQLITE_CORRUPT":
    case "SQLITE_NOTADB":
      return "Corrupt"
    default:
      return code?.startsWith("SQLITE_CONSTRAINT")
        ? "Constraint"
        : code?.startsWith("SQLITE_IOERR")
          ? "DiskFull"
          : "Other"
  }
}

export const toStoreError = (error: unknown): StoreError => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined
  const message = error instanceof Error ? error.message : String(error)
  return new StoreError({ reason: failureOf(code), message: code === undefined ? message : `${message} (${code})` })
}

/**
 * Opens the database the way the event log needs it: WAL so readers never block the writer, and
 * synchronous=FULL because NORMAL in WAL mode may lose the last committed transactions on power loss
 * (sqlite.org/pragma.html#pragma_synchronous) — and an event the station reported as recorded must exist.
 */
export const openSqlite = (options: SqliteOptions): Database.Database => {
  const db = new Database(options.filename, { readonly: options.readonly ?? false })
  if (options.filename !== ":memory:" && !options.readonly) db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma("foreign_keys = ON")
  db.pragma("busy_timeout = 5000")
  return db
}

export const makeSqliteSql = (db: Database.Database): Effect.Effect<Sql["Service"]> =>
  Effect.gen(function* () {
    const lock = yield* Semaphore.make(1)
    const statements = new Map<string, Database.Statement>()
    const prepare = (text: string) => {
      let statement = statements.get(text)
      if (statement === undefined) {
        statement = db.prepare(text)
        statements.set(text, statement)
      }
      return statement
    }
    const bind = (params: ReadonlyArray<SqlValue> | undefined) =>
      (params ?? []).map((value) => (value instanceof Uint8Array ? Buffer.from(value) : value))
    /** Runs the statements a batching transaction held, in order; throws the first failure and remembers it. */
    const flush = (state: TransactionState) => {
      if (state.failed !== undefined) {
        throw new StoreError({
          reason: "Other",
          message: `statement refused: an earlier statement of this transaction failed (${state.failed})`
        })
      }
      const pending = state.pending
      if (pending === undefined || pending.length === 0) return
      const held = pending.splice(0, pending.length)
      try {
        for (const write of held) prepare(write.text).run(...bind(write.params))
      } catch (error) {
        const failure = error instanceof StoreError ? error : toStoreError(error)
        state.failed = failure.message
        throw failure
      }
    }
    const guarded = <A>(run: () => A): Effect.Effect<A, StoreError> =>
      Effect.flatMap(InTransaction, (state) => {
        if (state === undefined) return lock.withPermit(Effect.try({ try: run, catch: toStoreError }))
        return Effect.try({
          try: () => {
            flush(state)
            return run()
          },
          catch: (error) => (error instanceof StoreError ? error : toStoreError(error))
        })
      })

    return Sql.of({
      dialect: "sqlite",
      query: <Row>(text: string, params?: ReadonlyArray<SqlValue>) =>
        guarded(() => {
          const statement = prepare(text)
          if (statement.reader) return statement.all(...bind(params)) as Array<Row>
          statement.run(...bind(params))
          return []
        }),
      execute: (text, params) => guarded(() => ({ changes: prepare(text).run(...bind(params)).changes })),
      write: (text, params) =>
        Effect.flatMap(InTransaction, (state) => {
          if (state?.pending !== undefined && state.failed === undefined) {
            state.pending.push({ text, params })
            return Effect.void
          }
          return guarded(() => {
            prepare(text).run(...bind(params))
          })
        }),
      transaction: <A, E, R>(effect: Effect.Effect<A, E, R>, options?: TransactionOptions) =>
        Effect.gen(function* () {
          if ((yield* InTransaction) !== undefined) return yield* effect
          return yield* lock.withPermit(
            Effect.uninterruptibleMask((restore) => {
              const run = Effect.gen(function* () {
                // IMMEDIATE takes the write lock up front, so a second process fails fast with BUSY
                // instead of deadlocking on a read-to-write upgrade.
                yield* Effect.try({
                  try: () => {
                    db.exec("BEGIN IMMEDIATE")
                  },
                  catch: toStoreError
                })
                const state: TransactionState = {
                  pending: options?.batchWrites === true ? [] : undefined,
                  failed: undefined
                }
                const exit = yield* Effect.exit(restore(Effect.provideService(effect, InTransaction, state)))
                if (exit._tag === "Success") {
                  const committed = yield* Effect.exit(
                    Effect.try({
                      try: () => {
                        flush(state)
                        db.exec("COMMIT")
                      },
                      catch: (error) => (error instanceof StoreError ? error : toStoreError(error))
                    })
                  )
                  if (committed._tag === "Success") return exit.value
                  if (db.inTransaction) db.exec("ROLLBACK")
                  return yield* Effect.failCause(committed.cause)
                }
                if (db.inTransaction) db.exec("ROLLBACK")
                return yield* exit
              })
              if (options?.durable !== false) return run
              // A commit that need not be durable skips the log's sync (synchronous=NORMAL for it alone): in WAL mode
              // that keeps the database consistent and loses at most the last such commits in a power cut, and the
              // next durable commit syncs the log file, and with it every frame before its own.
              return Effect.suspend(() => {
                db.exec("PRAGMA synchronous = NORMAL")
                return run
              }).pipe(Effect.ensuring(Effect.sync(() => db.exec("PRAGMA synchronous = FULL"))))
            })
          )
        })
    })
  })

export const layerSqlite = (options: SqliteOptions): Layer.Layer<Sql, StoreError> =>
  Layer.effect(
    Sql,
    Effect.acquireRelease(Effect.try({ try: () => openSqlite(options), catch: toStoreError }), (db) =>
      Effect.sync(() => db.close())
    ).pipe(Effect.flatMap(makeSqliteSql))
  )
