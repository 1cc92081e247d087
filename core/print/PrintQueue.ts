/** The durable print queue: jobs are rows before a byte is sent, and one worker sends them in order. */
import { Context, Effect, Latch, Layer } from "effect"
import { uuid7 } from "../events/Uuid7.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { PrintJob } from "./PrintApi.ts"
import type { PrinterDevice } from "./Printer.ts"

export type PrinterRole = "label" | "receipt"

interface JobRow {
  readonly id: string
  readonly printer: PrinterRole
  readonly purpose: string
  readonly bytes: Uint8Array
  readonly state: PrintJob["state"]
  readonly attempts: number
  readonly created_at_ms: number
  readonly last_error: string | null
  readonly preview_url: string | null
}

/** How often the worker reads the queue when nothing woke it. */
const FALLBACK_POLL = "5 seconds"

const toJob = (row: JobRow): PrintJob => ({
  id: row.id,
  printer: row.printer,
  purpose: row.purpose,
  state: row.state,
  attempts: Number(row.attempts),
  createdAtMs: Number(row.created_at_ms),
  ...(row.last_error === null ? {} : { lastError: row.last_error }),
  ...(row.preview_url === null ? {} : { previewUrl: row.preview_url })
})

/**
 * Print jobs live in the station database from the moment they are asked for, so an unplugged printer loses
 * nothing: the worker retries queued jobs in order until the printer takes them. A job is marked `printing`
 * before its bytes go out; if the station dies while a job is `printing`, nobody can know whether the printer
 * got it, so on restart such a job becomes `failed` with that reason and the operator reprints by choice —
 * the queue never prints a label twice on its own.
 *
 * The worker is woken, not polling: `enqueue` opens its latch inside the caller's transaction, and the worker's first
 * read then waits for the store's lock, so it reads the job the moment the transaction has committed (the row stays
 * the source of truth; a rolled-back job is simply not found). Reading the queue every few seconds is kept only as the
 * fallback for jobs nobody announced, such as those queued before a restart.
 */
export class PrintQueue extends Context.Service<
  PrintQueue,
  {
    readonly enqueue: (job: {
      readonly printer: PrinterRole
      readonly purpose: string
      readonly bytes: Uint8Array
    }) => Effect.Effect<PrintJob, StoreError>
    readonly recent: (limit: number) => Effect.Effect<ReadonlyArray<PrintJob>, StoreError>
    readonly get: (id: string) => Effect.Effect<PrintJob | undefined, StoreError>
    /** Prints queued jobs for as long as the scope lives; `onJob` sees every change of a job's state. */
    readonly work: (
      printers: Readonly<Record<PrinterRole, PrinterDevice>>,
      onJob: (job: PrintJob) => Effect.Effect<void>,
      preview?: (job: PrintJob) => Effect.Effect<string | undefined>
    ) => Effect.Effect<never, StoreError>
  }
>()("packbench/core/print/PrintQueue") {
  static readonly layer = Layer.effect(
    PrintQueue,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      const wake = yield* Latch.make(false)

      const get = (id: string) =>
        sql
          .query<JobRow>("SELECT * FROM print_jobs WHERE id = ?", [id])
          .pipe(Effect.map((rows) => rows[0] && toJob(rows[0])))

      const setState = (id: string, state: PrintJob["state"], error: string | null) =>
        Effect.flatMap(clock.now, (now) =>
          sql.execute(
            "UPDATE print_jobs SET state = ?, last_error = ?, updated_at_ms = ?, attempts = attempts + ? WHERE id = ?",
            [state, error, now.wallMs, state === "printing" ? 1 : 0, id]
          )
        )

      const enqueue = Effect.fn("PrintQueue.enqueue")(function* (job: {
        readonly printer: PrinterRole
        readonly purpose: string
        readonly bytes: Uint8Array
      }) {
        const now = yield* clock.now
        const id = yield* uuid7(now.wallMs)
        yield* sql.execute(
          "INSERT INTO print_jobs (id, printer, purpose, bytes, state, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
          [id, job.printer, job.purpose, job.bytes, now.wallMs, now.wallMs]
        )
        yield* wake.open
        return (yield* get(id))!
      })

      const recent = (limit: number) =>
        sql
          .query<JobRow>("SELECT * FROM print_jobs ORDER BY created_at_ms DESC, id DESC LIMIT ?", [limit])
          .pipe(Effect.map((rows) => rows.map(toJob)))

      const work = Effect.fn("PrintQueue.work")(function* (
        printers: Readonly<Record<PrinterRole, PrinterDevice>>,
        onJob: (job: PrintJob) => Effect.Effect<void>,
        preview?: (job: PrintJob) => Effect.Effect<string | undefined>
      ) {
        const attachPreview = (printed: PrintJob) =>
          Effect.gen(function* () {
            const url = preview === undefined ? undefined : yield* preview(printed)
            if (url === undefined) return
            yield* sql.execute("UPDATE print_jobs SET preview_url = ? WHERE id = ?", [url, printed.id])
            const job = yield* get(printed.id)
            if (job !== undefined) yield* onJob(job)
          }).pipe(
            Effect.catch((error) =>
              Effect.logWarning(`print queue: the preview of job ${printed.id} was not kept: ${error.message}`)
            )
          )
        const interrupted = yield* sql.query<JobRow>("SELECT * FROM print_jobs WHERE state = 'printing'")
        for (const row of interrupted) {
          yield* setState(
            row.id,
            "failed",
            "The station stopped while this job was printing; check the printout and reprint if it is missing"
          )
          yield* onJob((yield* get(row.id))!)
        }
        // The fallback for a job no `enqueue` of this process announced (one queued before a restart is found by the
        // first turn): the queue is read again every few seconds even when nobody wakes the worker.
        yield* Effect.forkChild(Effect.forever(Effect.andThen(Effect.sleep(FALLBACK_POLL), wake.open)))
        return yield* Effect.forever(
          Effect.gen(function* () {
            yield* wake.close
            // In the order they were queued: within one millisecond the ids (UUIDv7) need not sort in that order,
            // the rowid does, so two labels of one printer queued in the same millisecond go out as queued.
            const pending = yield* sql.query<JobRow>(
              "SELECT * FROM print_jobs WHERE state = 'queued' ORDER BY created_at_ms, rowid LIMIT 20"
            )
            let blocked = false
            // A job whose bytes went out but whose `printed` is not written yet: it is written in the transaction that
            // marks the next job `printing`, so two jobs in a row cost one commit between them, not two. Until then it
            // stays `printing` on disk, which a restart reads as "check the printout" and never sends again.
            let sentBefore: JobRow | undefined
            const markPrinted = (row: JobRow) =>
              Effect.gen(function* () {
                const printed = (yield* get(row.id))!
                // The picture of a printout (a simulated printer's rendering) comes when it is ready, without holding
                // the next job: the label after this insert must not wait for this one's rendering.
                if (preview !== undefined) yield* Effect.forkChild(attachPreview(printed))
                yield* onJob(printed)
              })
            for (const row of pending) {
              if (blocked) break
              const previous = sentBefore
              sentBefore = undefined
              yield* sql.transaction(
                Effect.gen(function* () {
                  if (previous !== undefined) yield* setState(previous.id, "printed", null)
                  yield* setState(row.id, "printing", null)
                })
              )
              if (previous !== undefined) yield* markPrinted(previous)
              yield* onJob((yield* get(row.id))!)
              const sent = yield* Effect.exit(printers[row.printer].send({ jobId: row.id, bytes: row.bytes }))
              if (sent._tag === "Success") {
                sentBefore = row
              } else {
                // Back to the queue: a later job for the same printer must not overtake this one.
                const reason = sent.cause.toString()
                yield* setState(row.id, "queued", reason)
                blocked = true
                yield* onJob((yield* get(row.id))!)
              }
            }
            if (sentBefore !== undefined) {
              yield* setState(sentBefore.id, "printed", null)
              yield* markPrinted(sentBefore)
            }
            if (blocked) yield* Effect.sleep("2 seconds")
            else if (pending.length === 0) yield* wake.await
          }),
          // The loop waits on the latch (or sleeps) when there is nothing to do; a yield on every turn would only put
          // a woken worker at the back of the event loop behind whatever else the station is doing.
          { disableYield: true }
        )
      })

      return PrintQueue.of({ enqueue, recent, get, work })
    })
  )
}
