import { existsSync, mkdtempSync, unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Exit, Fiber, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql, StoreError } from "../../core/store/Sql.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { heldSyncSql } from "../../fixtures/sqlite/HeldSyncs.ts"
import { layerSqlite, openSqlite, walSync } from "./SqliteSql.ts"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "pb-sql-")), "test.db")
const run = <A, E>(filename: string, effect: Effect.Effect<A, E, Sql>) =>
  Effect.runPromiseExit(Effect.provide(effect, layerSqlite({ filename })))

const setup = Effect.gen(function* () {
  const sql = yield* Sql
  yield* sql.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
  return sql
})

describe("SqliteSql", () => {
  it("opens files in WAL mode with synchronous=FULL", () => {
    const db = openSqlite({ filename: tempDb() })
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
    expect(db.pragma("synchronous", { simple: true })).toBe(2)
    db.close()
  })

  it("commits a transaction as a whole and rolls it back as a whole", async () => {
    const file = tempDb()
    const failed = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (v) VALUES (?)", ["first"])
            return yield* Effect.fail("stop" as const)
          })
        )
      })
    )
    expect(Exit.isFailure(failed)).toBe(true)
    const rows = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(sql.execute("INSERT INTO t (v) VALUES (?)", ["second"]))
        return yield* sql.query<{ v: string }>("SELECT v FROM t")
      })
    )
    expect(rows).toEqual(Exit.succeed([{ v: "second" }]))
  })

  it("commits a transaction that need not be durable without syncing the log, that one only, and keeps it", async () => {
    const file = tempDb()
    const synchronous = (sql: Sql["Service"]) =>
      Effect.map(sql.query<{ synchronous: number }>("PRAGMA synchronous"), (rows) => rows[0]?.synchronous)
    const seen = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        const lazy = yield* sql.transaction(
          Effect.flatMap(synchronous(sql), (level) =>
            Effect.as(sql.execute("INSERT INTO t (v) VALUES (?)", ["claim"]), level)
          ),
          { durable: false }
        )
        const afterLazy = yield* synchronous(sql)
        const durable = yield* sql.transaction(synchronous(sql))
        const failed = yield* Effect.exit(
          sql.transaction(Effect.andThen(synchronous(sql), Effect.fail("stop" as const)), { durable: false })
        )
        return { lazy, afterLazy, durable, failed: Exit.isFailure(failed), afterFailed: yield* synchronous(sql) }
      })
    )
    // 1 is NORMAL (no sync at commit in WAL mode), 2 FULL.
    expect(seen).toEqual(Exit.succeed({ lazy: 1, afterLazy: 2, durable: 2, failed: true, afterFailed: 2 }))
    const rows = await run(
      file,
      Effect.flatMap(setup, (sql) => sql.query<{ v: string }>("SELECT v FROM t"))
    )
    expect(rows).toEqual(Exit.succeed([{ v: "claim" }]))
  })

  it("keeps statements of other fibers out of an open transaction", async () => {
    const result = await run(
      tempDb(),
      Effect.gen(function* () {
        const sql = yield* setup
        const seen: Array<string> = []
        const slowTransaction = sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (v) VALUES ('tx')")
            yield* Effect.sleep("20 millis")
            seen.push("tx-done")
            return yield* Effect.fail("abort" as const)
          })
        )
        const outsider = Effect.gen(function* () {
          yield* Effect.sleep("5 millis")
          const rows = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM t")
          seen.push(`outsider-saw-${rows[0]?.n}`)
        })
        yield* Effect.all([Effect.exit(slowTransaction), outsider], { concurrency: 2 })
        return seen
      })
    )
    // The outsider ran after the rollback, so it never saw the uncommitted row.
    expect(result).toEqual(Exit.succeed(["tx-done", "outsider-saw-0"]))
  })

  it("reports a read-only database as ReadOnly, not as a crash", async () => {
    const file = tempDb()
    await run(file, setup)
    const exit = await Effect.runPromiseExit(
      Effect.provide(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* sql.execute("INSERT INTO t (v) VALUES ('x')")
        }),
        layerSqlite({ filename: file, readonly: true })
      )
    )
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("ReadOnly")
  })

  it("applies numbered migrations once, in order", async () => {
    const file = tempDb()
    const migrations = [
      { id: 1, name: "create", statements: ["CREATE TABLE a (id INTEGER PRIMARY KEY)"] },
      { id: 2, name: "column", statements: ["ALTER TABLE a ADD COLUMN name TEXT"] }
    ]
    const layer = Layer.merge(layerSqlite({ filename: file }), StationClock.manual(1_700_000_000_000).layer)
    const first = await Effect.runPromise(Effect.provide(migrate(migrations.slice(0, 1)), layer))
    const second = await Effect.runPromise(Effect.provide(migrate(migrations), layer))
    const third = await Effect.runPromise(Effect.provide(migrate(migrations), layer))
    expect([first, second, third]).toEqual([[1], [2], []])
    const columns = openSqlite({ filename: file }).pragma("table_info(a)") as Array<{ name: string }>
    expect(columns.map((column) => column.name)).toEqual(["id", "name"])
  })

  it("with syncOffLoop, runs a file store at synchronous=NORMAL and syncs its log itself: what it committed is there when opened again", async () => {
    const file = tempDb()
    const level = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(sql.execute("INSERT INTO t (v) VALUES ('kept')"))
        return yield* sql.query<{ synchronous: number }>("PRAGMA synchronous")
      }).pipe(Effect.provide(layerSqlite({ filename: file, syncOffLoop: true })))
    )
    expect(level).toEqual(Exit.succeed([{ synchronous: 1 }]))
    // Without it, SQLite syncs inside COMMIT (FULL).
    expect(
      await run(
        file,
        Effect.flatMap(Sql, (sql) => sql.query("PRAGMA synchronous"))
      )
    ).toEqual(Exit.succeed([{ synchronous: 2 }]))
    expect(
      await run(
        file,
        Effect.flatMap(Sql, (sql) => sql.query("SELECT v FROM t"))
      )
    ).toEqual(Exit.succeed([{ v: "kept" }]))
  })

  /** A store whose commits wait for syncs the test answers, one at a time. */
  const withHeldSyncs = <A, E>(
    body: (sql: Sql["Service"], syncs: Array<Deferred.Deferred<void, StoreError>>) => Effect.Effect<A, E>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Effect.acquireRelease(
            Effect.sync(() => openSqlite({ filename: tempDb() })),
            (db) => Effect.sync(() => db.close())
          )
          const { sql, syncs } = yield* heldSyncSql(db)
          return yield* body(sql, syncs.held)
        })
      )
    )

  /** Table `t`, created by a write outside a transaction, which waits for a sync of its own: the first. */
  const createTable = (sql: Sql["Service"], syncs: Array<Deferred.Deferred<void, StoreError>>) =>
    Effect.gen(function* () {
      const created = yield* Effect.forkChild(sql.execute("CREATE TABLE t (v TEXT)"))
      // The sync is asked for in a microtask after the commit: a turn or two.
      for (let turn = 0; turn < 5 && syncs.length === 0; turn++) yield* Effect.yieldNow
      expect(syncs).toHaveLength(1)
      yield* Deferred.succeed(syncs[0]!, undefined)
      yield* Fiber.join(created)
    })

  it("returns from a commit only once its log is synced, and lets no statement in before", async () => {
    const seen = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        yield* createTable(sql, syncs)
        const committing = yield* Effect.forkChild(
          Effect.tap(sql.transaction(sql.execute("INSERT INTO t VALUES ('a')")), () =>
            Effect.sync(() => seen.push("committed"))
          )
        )
        yield* Effect.yieldNow
        const reading = yield* Effect.forkChild(
          Effect.tap(sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM t"), (rows) =>
            Effect.sync(() => seen.push(`read ${rows[0]?.n}`))
          )
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        // COMMIT ran, its sync is asked for and not done: neither the transaction nor the read went on.
        expect(syncs).toHaveLength(2)
        expect(seen).toEqual([])
        yield* Deferred.succeed(syncs[1]!, undefined)
        yield* Fiber.join(committing)
        yield* Fiber.join(reading)
        // A read alone asks for no sync.
        expect(syncs).toHaveLength(2)
        return seen
      })
    )
    expect(seen).toEqual(["committed", "read 1"])
  })

  it("syncs no commit that need not be durable; the next durable commit's sync covers it", async () => {
    const counts = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        yield* createTable(sql, syncs)
        yield* sql.transaction(sql.execute("INSERT INTO t VALUES ('claim')"), { durable: false })
        const afterLazy = syncs.length
        const durable = yield* Effect.forkChild(sql.transaction(sql.execute("INSERT INTO t VALUES ('verdict')")))
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        const afterDurable = syncs.length
        yield* Deferred.succeed(syncs[1]!, undefined)
        yield* Fiber.join(durable)
        return { afterLazy, afterDurable, rows: yield* sql.query<{ v: string }>("SELECT v FROM t") }
      })
    )
    expect(counts).toEqual({ afterLazy: 1, afterDurable: 2, rows: [{ v: "claim" }, { v: "verdict" }] })
  })

  it("after a sync fails, fails that commit and refuses every later write, and still reads", async () => {
    const result = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        yield* createTable(sql, syncs)
        const committing = yield* Effect.forkChild(
          Effect.exit(sql.transaction(sql.execute("INSERT INTO t VALUES ('a')")))
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        yield* Deferred.fail(syncs[1]!, new StoreError({ reason: "DiskFull", message: "EIO: i/o error, fdatasync" }))
        const failed = yield* Fiber.join(committing)
        const later = yield* Effect.exit(sql.transaction(sql.execute("INSERT INTO t VALUES ('b')")))
        const alone = yield* Effect.exit(sql.execute("INSERT INTO t VALUES ('c')"))
        const rows = yield* sql.query<{ v: string }>("SELECT v FROM t")
        return { failed, later, alone, rows, syncs: syncs.length }
      })
    )
    expect(JSON.stringify(result.failed)).toContain("EIO: i/o error, fdatasync")
    for (const refused of [result.later, result.alone]) {
      expect(Exit.isFailure(refused)).toBe(true)
      expect(JSON.stringify(refused)).toContain("the disk did not confirm an earlier write (EIO: i/o error, fdatasync)")
      expect(JSON.stringify(refused)).toContain("DiskFull")
    }
    // The failed commit's row is in the file, not known to be on disk: it is reported, not hidden. Nothing after it.
    expect(result.rows).toEqual([{ v: "a" }])
    expect(result.syncs).toBe(2)
  })

  it("lets a transaction that reads ahead run during a commit's sync, while a plain read waits for it", async () => {
    const seen = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const note = (what: string) => Effect.sync(() => seen.push(what))
        yield* createTable(sql, syncs)
        const committing = yield* Effect.forkChild(
          Effect.tap(sql.transaction(sql.execute("INSERT INTO t VALUES ('applied')")), () => note("committed"))
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        expect(syncs).toHaveLength(2)
        const reading = yield* Effect.forkChild(
          Effect.tap(sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM t"), (rows) => note(`read ${rows[0]?.n}`))
        )
        yield* Effect.yieldNow
        // The plain read waits outside the lock: the transaction that reads ahead runs now and sees the row.
        const ahead = yield* sql.transaction(
          Effect.andThen(sql.execute("INSERT INTO t VALUES ('claim')"), sql.query<{ v: string }>("SELECT v FROM t")),
          { readsAhead: true, durable: false }
        )
        yield* note(`read ahead: ${ahead.map((row) => row.v).join(", ")}`)
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        // The lazy claim asked for no sync of its own.
        expect(syncs).toHaveLength(2)
        yield* note("sync answered")
        yield* Deferred.succeed(syncs[1]!, undefined)
        yield* Fiber.join(committing)
        yield* Fiber.join(reading)
        return seen
      })
    )
    expect(seen).toEqual(["read ahead: applied, claim", "sync answered", "committed", "read 2"])
  })

  it("lets a durable transaction that reads ahead commit during an earlier sync, and returns once both are done", async () => {
    const seen = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        const seen: Array<string> = []
        const note = (what: string) => Effect.sync(() => seen.push(what))
        yield* createTable(sql, syncs)
        const first = yield* Effect.forkChild(
          Effect.tap(sql.transaction(sql.execute("INSERT INTO t VALUES ('first')")), () => note("first returned"))
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        expect(syncs).toHaveLength(2)
        const ahead = yield* Effect.forkChild(
          Effect.tap(
            sql.transaction(
              Effect.andThen(
                sql.execute("INSERT INTO t VALUES ('ahead')"),
                Effect.flatMap(sql.query<{ v: string }>("SELECT v FROM t"), (rows) =>
                  note(`ahead read: ${rows.map((row) => row.v).join(", ")}`)
                )
              ),
              { readsAhead: true }
            ),
            () => note("ahead returned")
          )
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        // It ran and committed during the first sync; its own sync waits for that one to end.
        expect(seen).toEqual(["ahead read: first, ahead"])
        expect(syncs).toHaveLength(2)
        yield* note("first sync answered")
        yield* Deferred.succeed(syncs[1]!, undefined)
        yield* Fiber.join(first)
        for (let turn = 0; turn < 5 && syncs.length < 3; turn++) yield* Effect.yieldNow
        expect(syncs).toHaveLength(3)
        yield* note("its own sync answered")
        yield* Deferred.succeed(syncs[2]!, undefined)
        yield* Fiber.join(ahead)
        return seen
      })
    )
    expect(seen).toEqual([
      "ahead read: first, ahead",
      "first sync answered",
      "first returned",
      "its own sync answered",
      "ahead returned"
    ])
  })

  it("fails a durable transaction that read ahead when the sync it followed fails, though it committed", async () => {
    const result = await withHeldSyncs((sql, syncs) =>
      Effect.gen(function* () {
        yield* createTable(sql, syncs)
        const first = yield* Effect.forkChild(Effect.exit(sql.transaction(sql.execute("INSERT INTO t VALUES ('a')"))))
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        const ahead = yield* Effect.forkChild(
          Effect.exit(sql.transaction(sql.execute("INSERT INTO t VALUES ('b')"), { readsAhead: true }))
        )
        for (let turn = 0; turn < 5; turn++) yield* Effect.yieldNow
        yield* Deferred.fail(syncs[1]!, new StoreError({ reason: "DiskFull", message: "EIO: i/o error, fdatasync" }))
        return {
          first: yield* Fiber.join(first),
          ahead: yield* Fiber.join(ahead),
          rows: yield* sql.query<{ v: string }>("SELECT v FROM t"),
          syncs: syncs.length
        }
      })
    )
    expect(JSON.stringify(result.first)).toContain("EIO: i/o error, fdatasync")
    // A sync of its own could have come back well (the kernel reports a failed write once): it is not asked for.
    expect(Exit.isFailure(result.ahead)).toBe(true)
    expect(JSON.stringify(result.ahead)).toContain(
      "the disk did not confirm an earlier write (EIO: i/o error, fdatasync)"
    )
    expect(result.syncs).toBe(2)
    expect(result.rows).toEqual([{ v: "a" }, { v: "b" }])
  })

  it("syncs nothing where there is no log yet, and opens the log again when it was replaced", async () => {
    const file = tempDb()
    const log = walSync(file)
    expect(await Effect.runPromiseExit(log.sync())).toEqual(Exit.void)
    writeFileSync(`${file}-wal`, "first")
    expect(await Effect.runPromiseExit(log.sync())).toEqual(Exit.void)
    unlinkSync(`${file}-wal`)
    expect(await Effect.runPromiseExit(log.sync())).toEqual(Exit.void)
    writeFileSync(`${file}-wal`, "second")
    expect(await Effect.runPromiseExit(log.sync())).toEqual(Exit.void)
    expect(existsSync(`${file}-wal`)).toBe(true)
    log.close()
  })
})
