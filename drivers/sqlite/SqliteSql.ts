/**
 * The SQL port over better-sqlite3 (WAL, every commit on disk before it returns but for a transaction that need not be
 * durable), with SQLite's failures mapped to what a person can act on.
 */
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync } from "node:fs"
import { dirname } from "node:path"
import Database from "better-sqlite3"
import { Context, Deferred, Effect, Layer, Semaphore } from "effect"
import { Sql, type SqlValue, StoreError, type StoreFailure, type TransactionOptions } from "../../core/store/Sql.ts"

export interface SqliteOptions {
  /** A file path, or ":memory:" for tests that need no durability. */
  readonly filename: string
  readonly readonly?: boolean
  /**
   * Syncs each commit's log on libuv's thread pool (`walSync`) instead of inside COMMIT on the event loop's thread, so
   * the process runs on during the fsync: for the hub, where it was a quarter of the event loop's time at 1,000
   * mails/s. Not for a process whose event loop also takes in a broker's traffic (the station and its embedded
   * broker): there the blocking fsync is what holds a flood back, and without it the flood test's memory grew past
   * its bound. Off when absent.
   */
  readonly syncOffLoop?: boolean
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
    // The write-ahead log's own sync (walSync): the file system's errors.
    case "ENOSPC":
    case "EDQUOT":
    case "EIO":
      return "DiskFull"
    case "EROFS":
    case "EACCES":
    case "EPERM":
      return "ReadOnly"
    default:
      return code?.startsWith("SQLITE_CONSTRAINT")
        ? "Constraint"
        : code?.startsWith("SQLITE_IOERR")
          ? "DiskFull"
          : "Other"
  }
}

/** A StoreError as it is, anything else mapped by `toStoreError`. */
const storeErrorOf = (error: unknown): StoreError => (error instanceof StoreError ? error : toStoreError(error))

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

/**
 * Puts what was committed to the write-ahead log of `filename` on disk, without blocking the event loop: one
 * `fdatasync` of the log on libuv's thread pool, where synchronous=FULL has SQLite call it inside COMMIT, on the
 * event loop's thread (0.25 ms idle, about 1 ms under load on this machine's disk: a quarter of the hub's thread at
 * 1,000 mails/s). With it the connection runs at synchronous=NORMAL: WAL at NORMAL never corrupts the database
 * (sqlite.org/pragma.html#pragma_synchronous) and only lacks this one sync, which a transaction waits for before it
 * returns, and every later statement before it runs, so nothing reads a commit that is not yet on disk; but for a
 * transaction that reads ahead (`TransactionOptions.readsAhead`), which runs during the sync.
 *
 * The log is SQLite's `<file>-wal`: the same file while the database is open (a checkpoint rewinds it, it is not
 * replaced), opened again should it have been removed. No log file yet means nothing was written to sync. A new log's
 * directory entry is synced too, as SQLite does after creating it.
 */
export const walSync = (filename: string) => {
  const path = `${filename}-wal`
  let fd: number | undefined
  const current = (): number | undefined => {
    if (fd !== undefined && fstatSync(fd).nlink > 0) return fd
    if (fd !== undefined) closeSync(fd)
    fd = undefined
    try {
      fd = openSync(path, "r")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
      throw error
    }
    const directory = openSync(dirname(path), "r")
    try {
      fsyncSync(directory)
    } finally {
      closeSync(directory)
    }
    return fd
  }
  return {
    sync: (): Effect.Effect<void, StoreError> =>
      Effect.callback<void, StoreError>((resume) => {
        let handle: number | undefined
        try {
          handle = current()
        } catch (error) {
          resume(Effect.fail(toStoreError(error)))
          return
        }
        if (handle === undefined) resume(Effect.void)
        else fdatasync(handle, (error) => resume(error === null ? Effect.void : Effect.fail(toStoreError(error))))
      }),
    close: () => {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    }
  }
}

export interface SqliteSqlOptions {
  /**
   * Puts the connection's commits on disk (`walSync`); a committing transaction or write waits for it. Absent: the
   * connection's own synchronous setting is all (FULL from `openSqlite`).
   */
  readonly syncCommits?: () => Effect.Effect<void, StoreError>
}

export const makeSqliteSql = (
  db: Database.Database,
  storeOptions: SqliteSqlOptions = {}
): Effect.Effect<Sql["Service"]> =>
  Effect.gen(function* () {
    const { syncCommits } = storeOptions
    const lock = yield* Semaphore.make(1)
    /**
     * A sync that failed: what was committed since may not be on disk, and the kernel may since have dropped the
     * pages it could not write (PostgreSQL's "fsyncgate"), so no later sync can vouch for them. The store takes no
     * more writes until it is opened again.
     */
    let unsynced: StoreError | undefined
    const refuseWrites = (): StoreError | undefined =>
      unsynced === undefined
        ? undefined
        : new StoreError({
            reason: unsynced.reason,
            message: `the disk did not confirm an earlier write (${unsynced.message}); restart to write again`
          })
    /** Before a statement writes: throws the refusal when a sync failed. */
    const mayWrite = () => {
      const refused = refuseWrites()
      if (refused !== undefined) throw refused
    }
    /**
     * The sync of the latest durable commit while it runs (`syncCommits`, on libuv's pool); it covers every commit
     * before it. The commit waits for it once it let the lock go, and every statement waits for it before it takes
     * the lock, but for a transaction that reads ahead (`TransactionOptions.readsAhead`). Undefined once it ended.
     */
    let syncing: Deferred.Deferred<void, StoreError> | undefined
    /**
     * Starts the sync of what was committed so far; the committer waits for it once it let the lock go. A commit made
     * while an earlier one's sync still ran (by a transaction that reads ahead) is on disk only once that sync has
     * ended well too: its own sync starts after that one and fails as it did, so that a sync that ended well vouches
     * for every commit before it. (The kernel reports a failed write back to one sync call only: one running beside
     * the failed one could come back well.)
     */
    const startSync = (): Deferred.Deferred<void, StoreError> | undefined => {
      if (syncCommits === undefined) return undefined
      const sync = Deferred.makeUnsafe<void, StoreError>()
      const refused = refuseWrites()
      if (refused !== undefined) {
        Deferred.doneUnsafe(sync, Effect.fail(refused))
        return sync
      }
      const earlier = syncing
      syncing = sync
      const own = Effect.tapError(syncCommits(), (error) =>
        Effect.sync(() => {
          unsynced = error
        })
      )
      const recorded =
        earlier === undefined
          ? own
          : Effect.andThen(
              Effect.exit(Deferred.await(earlier)),
              Effect.suspend(() => {
                const refusedSince = refuseWrites()
                return refusedSince === undefined ? own : Effect.fail(refusedSince)
              })
            )
      // Handed to the thread pool in a microtask, once the committer's code has returned, not inside the commit: what
      // the commit woke (a doorbell rung in its transaction, whose microtask comes first) runs before it, so a
      // transaction that reads ahead, such as the hub sender's claim, does not wait for the call (fdatasync's
      // hand-over to the pool took 0.05–0.1 ms of the loop under the hub's load). Everything else waits for the sync
      // from here on (`syncing`), as before.
      void Promise.resolve().then(() =>
        Effect.runFork(
          Effect.flatMap(Effect.exit(recorded), (exit) => {
            if (syncing === sync) syncing = undefined
            return Deferred.done(sync, exit)
          })
        )
      )
      return sync
    }
    /**
     * `effect` under the lock once no sync runs: it waits for the one that runs (however it ends: a failed one is its
     * committer's to report), outside the lock, so that a transaction reading ahead is not kept waiting behind it.
     */
    const afterSync = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        const running = syncing
        if (running !== undefined) return Effect.andThen(Effect.exit(Deferred.await(running)), afterSync(effect))
        return Effect.flatten(
          lock.withPermit(
            Effect.suspend(() =>
              // A commit that read ahead may have started another sync while this one waited for the lock.
              syncing === undefined ? Effect.map(effect, Effect.succeed) : Effect.succeed(afterSync(effect))
            )
          )
        )
      })
    /** `effect` under the lock (`afterSync` unless it reads ahead); then waits for the sync its commit started. */
    const locked = <A, E, R>(
      effect: Effect.Effect<readonly [A, Deferred.Deferred<void, StoreError> | undefined], E, R>,
      readsAhead = false
    ): Effect.Effect<A, E | StoreError, R> =>
      Effect.flatMap(readsAhead ? lock.withPermit(effect) : afterSync(effect), ([value, sync]) =>
        sync === undefined ? Effect.succeed(value) : Effect.as(Deferred.await(sync), value)
      )
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
        const failure = storeErrorOf(error)
        state.failed = failure.message
        throw failure
      }
    }
    /** `run` in the open transaction, or alone; `writes`: a statement alone is on disk before it returns. */
    const guarded = <A>(run: () => A, writes: (result: A) => boolean): Effect.Effect<A, StoreError> =>
      Effect.flatMap(InTransaction, (state) => {
        if (state === undefined) {
          const alone = Effect.try({ try: run, catch: storeErrorOf })
          // At FULL, SQLite synced a write inside the statement: no step of ours after it.
          if (syncCommits === undefined) return lock.withPermit(alone)
          return locked(Effect.map(alone, (result) => [result, writes(result) ? startSync() : undefined] as const))
        }
        return Effect.try({
          try: () => {
            flush(state)
            return run()
          },
          catch: storeErrorOf
        })
      })

    return Sql.of({
      dialect: "sqlite",
      query: <Row>(text: string, params?: ReadonlyArray<SqlValue>) => {
        let reader = true
        return guarded(
          () => {
            const statement = prepare(text)
            reader = statement.reader
            if (reader) return statement.all(...bind(params)) as Array<Row>
            mayWrite()
            statement.run(...bind(params))
            return []
          },
          () => !reader
        )
      },
      execute: (text, params) =>
        guarded(
          () => {
            mayWrite()
            return { changes: prepare(text).run(...bind(params)).changes }
          },
          () => true
        ),
      write: (text, params) =>
        Effect.flatMap(InTransaction, (state) => {
          if (state?.pending !== undefined && state.failed === undefined) {
            state.pending.push({ text, params })
            return Effect.void
          }
          return guarded(
            () => {
              mayWrite()
              prepare(text).run(...bind(params))
            },
            () => true
          )
        }),
      transaction: <A, E, R>(effect: Effect.Effect<A, E, R>, options?: TransactionOptions) =>
        Effect.gen(function* () {
          if ((yield* InTransaction) !== undefined) return yield* effect
          const durable = options?.durable !== false
          const committed = Effect.uninterruptibleMask((restore) => {
            const run = Effect.gen(function* () {
              const refused = refuseWrites()
              if (refused !== undefined) return yield* Effect.fail(refused)
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
                    catch: storeErrorOf
                  })
                )
                // Its sync starts at once; the statements after it wait for it (`locked`), so none reads what a
                // power cut could take, but for a transaction that reads ahead. A commit that need not be durable
                // is not synced: the next sync covers the log up to its end.
                if (committed._tag === "Success") return [exit.value, durable ? startSync() : undefined] as const
                if (db.inTransaction) db.exec("ROLLBACK")
                return yield* Effect.failCause(committed.cause)
              }
              if (db.inTransaction) db.exec("ROLLBACK")
              return yield* Effect.failCause(exit.cause)
            })
            // Synced by the store itself (`syncCommits`), the connection runs at NORMAL already.
            if (durable || syncCommits !== undefined) return run
            // A commit that need not be durable skips the log's sync (synchronous=NORMAL for it alone): in WAL mode
            // that keeps the database consistent and loses at most the last such commits in a power cut, and the
            // next durable commit syncs the log file, and with it every frame before its own.
            return Effect.suspend(() => {
              db.exec("PRAGMA synchronous = NORMAL")
              return run
            }).pipe(Effect.ensuring(Effect.sync(() => db.exec("PRAGMA synchronous = FULL"))))
          })
          // SQLite at FULL synced the commit inside COMMIT: nothing to wait for after the lock.
          if (syncCommits === undefined) return (yield* lock.withPermit(committed))[0]
          return yield* locked(committed, options?.readsAhead === true)
        })
    })
  })

/**
 * The store on `options.filename`, as `openSqlite` opens it; with `syncOffLoop`, a file written through gets
 * synchronous=NORMAL and its commits synced off the event loop (`walSync`), each on disk before it returns.
 */
export const layerSqlite = (options: SqliteOptions): Layer.Layer<Sql, StoreError> =>
  Layer.effect(
    Sql,
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.try({ try: () => openSqlite(options), catch: toStoreError }),
        (db) => Effect.sync(() => db.close())
      )
      if (options.filename === ":memory:" || options.readonly === true || options.syncOffLoop !== true) {
        return yield* makeSqliteSql(db)
      }
      const log = yield* Effect.acquireRelease(
        Effect.try({
          try: () => {
            db.pragma("synchronous = NORMAL")
            return walSync(options.filename)
          },
          catch: toStoreError
        }),
        (log) => Effect.sync(() => log.close())
      )
      return yield* makeSqliteSql(db, { syncCommits: log.sync })
    })
  )
