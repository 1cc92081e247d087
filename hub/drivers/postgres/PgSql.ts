/** The SQL port over PostgreSQL (pg): a pool, `?` placeholders, advisory locks that partition transactions. */
import { createHash } from "node:crypto"
import type { Writable } from "node:stream"
import { Context, Effect, Layer } from "effect"
import pg from "pg"
import {
  type QueryOptions,
  Sql,
  type SqlValue,
  StoreError,
  type StoreFailure,
  type TransactionOptions
} from "../../../core/store/Sql.ts"

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (libpq-style query parameters such as `sslmode` pass through). */
  readonly url: string
  /** Pool size: transactions each hold one connection until they commit. */
  readonly maxConnections?: number
  /** How long to wait for a connection before the statement fails as Busy. */
  readonly connectTimeoutMs?: number
}

/**
 * The connection a transaction runs on. Statements issued inside it (on any fiber forked from it) find it here and
 * run on it; statements from elsewhere take another pool connection. Nested `transaction` calls join it.
 */
const TransactionClient = Context.Reference<TransactionState | undefined>(
  "packbench/hub/drivers/postgres/TransactionClient",
  { defaultValue: () => undefined }
)

interface TransactionState {
  readonly client: pg.PoolClient
  /** PostgreSQL aborts a transaction at its first failed statement (SQLite does not): remembered to say so. */
  failed: string | undefined
  /** Set at commit or rollback: a fiber the transaction forked and left running must not reuse the connection. */
  ended: boolean
  /** `write` statements not sent yet, in order (a transaction opened with `batchWrites`); undefined: none held. */
  readonly pending: Array<pg.QueryConfig> | undefined
}

/**
 * Every transaction takes this database-wide advisory lock first. A transaction without a partition takes it
 * exclusively, so those run one at a time as they do under SQLite's BEGIN IMMEDIATE: the timeline's
 * read-merge-write, the timers, the sender's claims and the migrations stay correct under READ COMMITTED, across
 * every hub process sharing the database. A partitioned transaction (the consumer's, one per batch of stations)
 * takes it shared and then one exclusive lock per partition key, so two hubs apply different stations at once and
 * the same station never twice, and none of them runs beside an unpartitioned one. Reads and single statements
 * outside transactions take no lock (MVCC readers never block, like SQLite's WAL readers).
 * The key is an arbitrary constant: "pkbn" in ASCII.
 */
const writeLockKey = 0x706b626e

/**
 * A partition's lock: the two-int advisory lock space (which never meets the one-bigint space of `writeLockKey`),
 * with `writeLockKey` as the class and 32 bits of the key's SHA-256 as the object. Two keys that share a hash share
 * a lock: less parallel, never less exclusive.
 */
export const partitionLockId = (key: string): number => createHash("sha256").update(key).digest().readInt32BE(0)

/**
 * The statement that opens a transaction. Partition locks are taken in ascending order, so two transactions that
 * each hold some of the other's keys wait in line rather than deadlock. Only integers are spliced in.
 */
export const beginStatement = (options: TransactionOptions | undefined): string => {
  // A commit that need not wait for the disk (see TransactionOptions.durable), for this transaction only.
  const durability = options?.durable === false ? "; SET LOCAL synchronous_commit TO OFF" : ""
  if (options?.partition === undefined) return `BEGIN${durability}; SELECT pg_advisory_xact_lock(${writeLockKey})`
  // The consumer names each event's station, so the keys repeat: hashed once each.
  const ids = [...new Set(Array.from(new Set(options.partition), partitionLockId))].sort((a, b) => a - b)
  const partitionLocks =
    ids.length === 0
      ? ""
      : `; SELECT pg_advisory_xact_lock(${writeLockKey}, k) FROM unnest(ARRAY[${ids.join(",")}]::int[]) WITH ORDINALITY AS t(k, i)`
  return `BEGIN${durability}; SELECT pg_advisory_xact_lock_shared(${writeLockKey})${partitionLocks}`
}

/**
 * SQLSTATE classes (postgresql.org/docs/current/errcodes-appendix.html) mapped to what a person can act on, the
 * way SqliteSql maps SQLite's result codes. "Busy" is anything worth retrying later: lock and serialization
 * conflicts, and a server that is unreachable, starting up or shutting down.
 */
const failureOf = (code: string | undefined): StoreFailure => {
  if (code === undefined) return "Other"
  if (code.startsWith("23")) return "Constraint"
  if (code === "53100" || code === "58030") return "DiskFull"
  if (code === "25006" || code === "42501" || code.startsWith("28")) return "ReadOnly"
  if (code === "XX001" || code === "XX002") return "Corrupt"
  if (
    code.startsWith("08") ||
    code.startsWith("40") ||
    code.startsWith("57P") ||
    code === "55P03" ||
    code === "53300" ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EPIPE"].includes(code)
  )
    return "Busy"
  return "Other"
}

/** Where the pool connects, without the password: safe for logs and error messages. */
export const describeTarget = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`
  } catch {
    return "an unparsable URL"
  }
}

export const toStoreError = (error: unknown, context?: string): StoreError => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined
  const raw = error instanceof Error ? error.message : String(error)
  // An unreachable server's error (AggregateError from both address families) can have an empty message.
  const message = raw.length > 0 ? raw : (code ?? "connection failed")
  const located = context === undefined ? message : `${context}: ${message}`
  return new StoreError({ reason: failureOf(code), message: code === undefined ? located : `${located} (${code})` })
}

/**
 * `?` → `$1..$n`, outside string literals, quoted identifiers and comments. Core writes `?` in every dialect.
 * PostgreSQL's own `?` operators (jsonb) are not used by Packbench; a statement that needs one must use
 * `jsonb_exists` and friends instead.
 */
export const toNumberedPlaceholders = (text: string): string => {
  let out = ""
  let index = 0
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, i + 1)
      const stop = end === -1 ? text.length : end + 1
      out += text.slice(i, stop)
      i = stop
      // A doubled quote is an escaped quote: the next loop turn continues the same literal.
      continue
    }
    if (char === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i)
      const stop = end === -1 ? text.length : end
      out += text.slice(i, stop)
      i = stop
      continue
    }
    if (char === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      const stop = end === -1 ? text.length : end + 2
      out += text.slice(i, stop)
      i = stop
      continue
    }
    if (char === "?") {
      out += `$${++index}`
      i++
      continue
    }
    out += char
    i++
  }
  return out
}

/**
 * Row values as better-sqlite3 returns them, so core reads the same shapes from both stores: BIGINT and COUNT(*)
 * (int8) and NUMERIC (SUM/AVG over integers) come back as numbers, not the strings node-postgres gives by
 * default. An int8 beyond 2^53 comes back as a bigint rather than silently losing digits.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === pg.types.builtins.INT8) {
      return (value: string) => {
        const number = Number(value)
        return Number.isSafeInteger(number) ? number : BigInt(value)
      }
    }
    if (oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format ?? "text")
  }) as pg.CustomTypesConfig["getTypeParser"]
}

const bind = (params: ReadonlyArray<SqlValue> | undefined): Array<unknown> =>
  (params ?? []).map((value) =>
    value instanceof Uint8Array ? Buffer.from(value) : typeof value === "bigint" ? value.toString() : value
  )

/**
 * Queues `statements` on a client in pg's pipeline mode, which writes each to the socket as it is queued (a
 * statement's parse, bind, execute and sync corked into one write): here the socket is corked around them all, so
 * the lot goes in one write. Each write to a loopback socket is a system call that also wakes the server's backend,
 * and a batch's statements had been a dozen of them.
 */
const corked = (client: pg.PoolClient, statements: ReadonlyArray<pg.QueryConfig>): Array<Promise<pg.QueryResult>> => {
  // pg's own connection and its socket: not in pg's types, used by pg itself the same way (Query.submit).
  const stream = (client as unknown as { readonly connection?: { readonly stream?: Partial<Writable> } }).connection
    ?.stream
  stream?.cork?.()
  try {
    return statements.map((config) => client.query(config))
  } finally {
    stream?.uncork?.()
  }
}

/**
 * Statement texts given a prepared statement's name at most; past it, statements go unnamed (parsed each time), so a
 * caller that builds ever new texts cannot grow every connection's prepared statements without end.
 */
const maxPreparedTexts = 2_000

export const makePgSql = (pool: pg.Pool): Sql["Service"] => {
  const texts = new Map<string, string>()
  const translate = (text: string) => {
    let translated = texts.get(text)
    if (translated === undefined) {
      translated = toNumberedPlaceholders(text)
      texts.set(text, translated)
    }
    return translated
  }

  /**
   * A `write` statement as a named prepared statement: parsed once per connection, then only bound and executed.
   * The name is the statement's hash, so one text always has one name.
   */
  const names = new Map<string, string>()
  const prepared = (text: string, params: ReadonlyArray<SqlValue> | undefined): pg.QueryConfig => {
    let name = names.get(text)
    if (name === undefined) {
      if (names.size >= maxPreparedTexts) return { text: translate(text), values: bind(params) }
      name = `pb_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`
      names.set(text, name)
    }
    return { name, text: translate(text), values: bind(params) }
  }

  /**
   * A statement of `query` or `execute`: with parameters, a named prepared statement like `write`'s (pg sends any
   * statement with parameters by the extended protocol, which holds one statement, so nothing changes but that
   * PostgreSQL parses and plans it once per connection: the batch apply's multi-row statements are long); without,
   * as it is (a migration's script may hold several statements). `planEachTime`: unnamed, which PostgreSQL parses
   * and plans with its parameters each time.
   */
  const statementOf = (
    text: string,
    params: ReadonlyArray<SqlValue> | undefined,
    options?: QueryOptions
  ): pg.QueryConfig =>
    params === undefined || params.length === 0
      ? { text: translate(text), values: [] }
      : options?.planEachTime === true
        ? { text: translate(text), values: bind(params) }
        : prepared(text, params)

  /**
   * Sends the statements a batching transaction held and then `last`, all at once: the connection pipelines them
   * (one round trip; the pool's clients are in pg's pipeline mode), PostgreSQL runs them in order, and the first
   * failure fails the lot and the transaction.
   */
  const sendWithHeld = (transaction: TransactionState, last: pg.QueryConfig) =>
    Effect.gen(function* () {
      const held = transaction.pending!.splice(0, transaction.pending!.length)
      const settled = yield* Effect.promise(() => Promise.allSettled(corked(transaction.client, [...held, last])))
      for (const outcome of settled) {
        if (outcome.status === "rejected") {
          const failure = toStoreError(outcome.reason)
          transaction.failed = failure.message
          return yield* Effect.fail(failure)
        }
      }
      return (settled[settled.length - 1] as PromiseFulfilledResult<pg.QueryResult>).value
    })

  const run = (text: string, params: ReadonlyArray<SqlValue> | undefined, options?: QueryOptions) =>
    Effect.gen(function* () {
      const transaction = yield* TransactionClient
      const statement = statementOf(text, params, options)
      if (transaction === undefined || transaction.ended) {
        return yield* Effect.tryPromise({
          try: () => pool.query(statement),
          catch: (error) => toStoreError(error)
        })
      }
      if (transaction.failed !== undefined) {
        return yield* Effect.fail(
          new StoreError({
            reason: "Other",
            message: `statement refused: PostgreSQL aborted this transaction after an earlier failure (${transaction.failed})`
          })
        )
      }
      if (transaction.pending !== undefined && transaction.pending.length > 0) {
        return yield* sendWithHeld(transaction, statement)
      }
      return yield* Effect.tryPromise({
        try: () => transaction.client.query(statement),
        catch: (error) => {
          const failure = toStoreError(error)
          transaction.failed = failure.message
          return failure
        }
      })
    })

  const onConnection = (query: (client: pg.PoolClient) => Promise<unknown>) => (client: pg.PoolClient) =>
    Effect.tryPromise({ try: () => query(client), catch: (error) => toStoreError(error) })

  return Sql.of({
    dialect: "postgres",
    query: <Row>(text: string, params?: ReadonlyArray<SqlValue>, options?: QueryOptions) =>
      run(text, params, options).pipe(Effect.map((result) => result.rows as Array<Row>)),
    execute: (text, params) => run(text, params).pipe(Effect.map((result) => ({ changes: result.rowCount ?? 0 }))),
    write: (text, params) =>
      Effect.flatMap(TransactionClient, (transaction) => {
        if (transaction?.pending !== undefined && !transaction.ended && transaction.failed === undefined) {
          transaction.pending.push(prepared(text, params))
          return Effect.void
        }
        return Effect.asVoid(run(text, params))
      }),
    transaction: <A, E, R>(
      effect: Effect.Effect<A, E, R>,
      options?: TransactionOptions
    ): Effect.Effect<A, E | StoreError, R> =>
      Effect.gen(function* () {
        const outer = yield* TransactionClient
        if (outer !== undefined && !outer.ended) return yield* effect
        return yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            // Not interruptible: a connection handed over after an interruption would never go back to the pool.
            // The wait is bounded by the pool's connection timeout.
            const client = yield* Effect.tryPromise({
              try: () => pool.connect(),
              catch: (error) => toStoreError(error)
            })
            const began = yield* Effect.exit(onConnection((c) => c.query(beginStatement(options)))(client))
            if (began._tag === "Failure") {
              client.release(true)
              return yield* Effect.failCause(began.cause)
            }
            const state: TransactionState = {
              client,
              failed: undefined,
              ended: false,
              pending: options?.batchWrites === true ? [] : undefined
            }
            const exit = yield* Effect.exit(restore(Effect.provideService(effect, TransactionClient, state)))
            if (exit._tag === "Success") {
              const commit =
                state.pending !== undefined && state.pending.length > 0 && state.failed === undefined
                  ? sendWithHeld(state, { text: "COMMIT" })
                  : onConnection((c) => c.query("COMMIT"))(client)
              const committed = yield* Effect.exit(
                commit.pipe(
                  Effect.flatMap((result) =>
                    // COMMIT of an aborted transaction "succeeds" with a ROLLBACK tag: the work is gone.
                    state.failed !== undefined || (result as pg.QueryResult).command === "ROLLBACK"
                      ? Effect.fail(
                          new StoreError({
                            reason: "Other",
                            message: `transaction rolled back: a statement inside it failed (${state.failed ?? "unknown"})`
                          })
                        )
                      : Effect.void
                  )
                )
              )
              state.ended = true
              if (committed._tag === "Success") {
                client.release()
                return exit.value
              }
              const rolledBack = yield* Effect.exit(onConnection((c) => c.query("ROLLBACK"))(client))
              client.release(rolledBack._tag === "Failure")
              return yield* Effect.failCause(committed.cause)
            }
            state.ended = true
            const rolledBack = yield* Effect.exit(onConnection((c) => c.query("ROLLBACK"))(client))
            // A connection that cannot even roll back is broken: destroy it rather than return it to the pool.
            client.release(rolledBack._tag === "Failure")
            return yield* exit
          })
        )
      })
  })
}

/**
 * A pool on `options.url`, checked at once: an unreachable or misconfigured server fails the layer with a
 * message naming host, port and database (never the password), instead of failing the first event later.
 */
export const layerPostgres = (options: PostgresOptions): Layer.Layer<Sql, StoreError> =>
  Layer.effect(
    Sql,
    Effect.gen(function* () {
      const services = yield* Effect.context<never>()
      const target = describeTarget(options.url)
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const created = new pg.Pool({
            connectionString: options.url,
            max: options.maxConnections ?? 10,
            connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
            types: typeParsers,
            // A batching transaction sends its held statements at once (`sendWithHeld`): pg's pipeline mode writes
            // each as it is queued and matches the answers in order; without it pg queues them itself, which it
            // deprecates.
            pipeline: true
          })
          // An idle connection the server closed (restart, admin kill) reports here; the pool drops it and the
          // next statement opens a new one. Without a listener, node would crash the process.
          created.on("error", (error) => {
            Effect.runForkWith(services)(
              Effect.logWarning(`postgres ${target}: idle connection lost: ${error.message}`)
            )
          })
          return created
        }),
        (created) => Effect.promise(() => created.end())
      )
      yield* Effect.tryPromise({
        try: () => pool.query("SELECT 1"),
        catch: (error) => toStoreError(error, `cannot use PostgreSQL at ${target}`)
      })
      return makePgSql(pool)
    })
  )
