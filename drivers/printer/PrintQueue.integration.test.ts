import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { PrintJob } from "../../core/print/PrintApi.ts"
import { PrintQueue } from "../../core/print/PrintQueue.ts"
import { Sql } from "../../core/store/Sql.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { probed } from "../../fixtures/waitFor.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"
import { type PrinterSimulator, start as startPrinter } from "./PrinterSimulator.ts"
import { makeTcpPrinter } from "./TcpPrinter.ts"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const labelBytes = (name: string) => new TextEncoder().encode(`^XA^FO50,50^A0N,30,30^FD${name}^FS^XZ`)
const receiptBytes = (name: string) => new TextEncoder().encode(`\x1b@${name}\n\x1dV\x00`)

/** Two real TCP printers (the label one speaks ZPL, the receipt one ESC/POS) in a temp dir. */
const startPrinters = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pb-print-queue-"))
  const label = await startPrinter({ port: 0, dir: join(dir, "label"), language: "zpl", render: false })
  const receipt = await startPrinter({ port: 0, dir: join(dir, "receipt"), language: "escpos", render: false })
  cleanups.push(async () => {
    await label.close()
    await receipt.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir, label, receipt }
}

/** One life of a station's print queue on `filename`: real SQLite, and, with `printers`, its worker on them. */
const boot = (filename: string, printers?: { label: PrinterSimulator; receipt: PrinterSimulator }) => {
  const runtime = ManagedRuntime.make(
    PrintQueue.layer.pipe(Layer.provideMerge(seededStation({ filename, clock: SystemClockLayer })))
  )
  const seen: Array<PrintJob> = []
  if (printers !== undefined) {
    const devices = {
      label: makeTcpPrinter({ id: "label", host: "127.0.0.1", port: printers.label.port, language: "zpl" }),
      receipt: makeTcpPrinter({ id: "receipt", host: "127.0.0.1", port: printers.receipt.port, language: "escpos" })
    }
    runtime.runFork(
      Effect.flatMap(Effect.service(PrintQueue), (queue) =>
        queue.work(devices, (job) =>
          Effect.sync(() => {
            seen.push(job)
          })
        )
      )
    )
  }
  return { runtime, seen }
}

const enqueue = (
  runtime: ManagedRuntime.ManagedRuntime<PrintQueue | Sql, unknown>,
  jobs: ReadonlyArray<{ readonly printer: "label" | "receipt"; readonly purpose: string; readonly bytes: Uint8Array }>
) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const queue = yield* PrintQueue
      const sql = yield* Sql
      // As `pack.complete` does: the parcel's jobs in one transaction.
      return yield* sql.transaction(Effect.forEach(jobs, (job) => queue.enqueue(job)))
    })
  )

const jobOf = (runtime: ManagedRuntime.ManagedRuntime<PrintQueue, unknown>, id: string) =>
  runtime.runPromise(Effect.flatMap(Effect.service(PrintQueue), (queue) => queue.get(id)))

describe("the print queue's worker", () => {
  it("sends the jobs of parcel after parcel in order, each once, and marks every one printed", async () => {
    const printers = await startPrinters()
    const filename = join(printers.dir, "station.db")
    const { runtime, seen } = boot(filename, printers)
    cleanups.push(() => runtime.dispose())
    const jobs = [
      ...(await enqueue(runtime, [
        { printer: "label", purpose: "label P1", bytes: labelBytes("P1") },
        { printer: "receipt", purpose: "insert O1", bytes: receiptBytes("O1") }
      ])),
      ...(await enqueue(runtime, [
        { printer: "label", purpose: "label P2", bytes: labelBytes("P2") },
        { printer: "receipt", purpose: "insert O2", bytes: receiptBytes("O2") }
      ]))
    ]
    const done = await probed("every job printed", async () => {
      const now = await Promise.all(jobs.map((job) => jobOf(runtime, job.id)))
      // The printer records a job once its connection has ended, which may come a moment after the worker's commit.
      const received = printers.label.jobs().length === 2 && printers.receipt.jobs().length === 2
      return received && now.every((job) => job?.state === "printed") ? now : undefined
    })
    expect(done.map((job) => job?.attempts)).toEqual([1, 1, 1, 1])
    const text = (printer: PrinterSimulator) => printer.jobs().map((job) => Buffer.from(job.bytes).toString("latin1"))
    expect(text(printers.label)).toEqual([labelBytes("P1"), labelBytes("P2")].map((b) => Buffer.from(b).toString()))
    expect(text(printers.receipt)).toEqual(
      [receiptBytes("O1"), receiptBytes("O2")].map((b) => Buffer.from(b).toString())
    )
    // Every job is seen printing, then printed, once each.
    for (const job of jobs) {
      const states = seen.filter((change) => change.id === job.id).map((change) => change.state)
      expect(states).toEqual(["printing", "printed"])
    }
  })

  it("never sends again a job the station was printing when it stopped: it is failed, for the operator to check", async () => {
    const printers = await startPrinters()
    const filename = join(printers.dir, "station.db")
    // The first life queues a label and a receipt and stops with the label `printing` on disk: its bytes may or may
    // not have reached the printer (a crash between the send and the commit that marks it printed looks the same).
    const first = boot(filename)
    const [label, receipt] = await enqueue(first.runtime, [
      { printer: "label", purpose: "label P1", bytes: labelBytes("P1") },
      { printer: "receipt", purpose: "insert O1", bytes: receiptBytes("O1") }
    ])
    await first.runtime.runPromise(
      Effect.flatMap(Effect.service(Sql), (sql) =>
        sql.execute("UPDATE print_jobs SET state = 'printing', attempts = 1 WHERE id = ?", [label!.id])
      )
    )
    await first.runtime.dispose()

    const second = boot(filename, printers)
    cleanups.push(() => second.runtime.dispose())
    const printed = await probed("the receipt printed", async () => {
      const job = await jobOf(second.runtime, receipt!.id)
      return job?.state === "printed" && printers.receipt.jobs().length > 0 ? job : undefined
    })
    expect(printed.attempts).toBe(1)
    const failed = await jobOf(second.runtime, label!.id)
    expect(failed).toMatchObject({ state: "failed", attempts: 1 })
    expect(failed?.lastError).toContain("check the printout")
    expect(printers.label.jobs()).toHaveLength(0)
    expect(printers.receipt.jobs()).toHaveLength(1)
  })

  it("keeps a job for an unreachable printer queued, holds the jobs behind it, and prints them in order once it is back", async () => {
    const printers = await startPrinters()
    const filename = join(printers.dir, "station.db")
    await printers.label.setState("offline")
    const { runtime } = boot(filename, printers)
    cleanups.push(() => runtime.dispose())
    const [first, second] = await enqueue(runtime, [
      { printer: "label", purpose: "label P1", bytes: labelBytes("P1") },
      { printer: "label", purpose: "label P2", bytes: labelBytes("P2") }
    ])
    const refused = await probed("the first label refused", async () => {
      const job = await jobOf(runtime, first!.id)
      return job?.lastError === undefined ? undefined : job
    })
    expect(refused.state).toBe("queued")
    expect(await jobOf(runtime, second!.id)).toMatchObject({ state: "queued", attempts: 0 })

    await printers.label.setState("online")
    await probed("both labels printed", async () => {
      const jobs = await Promise.all([jobOf(runtime, first!.id), jobOf(runtime, second!.id)])
      return jobs.every((job) => job?.state === "printed") && printers.label.jobs().length >= 2 ? jobs : undefined
    })
    expect(printers.label.jobs().map((job) => Buffer.from(job.bytes).toString("latin1"))).toEqual([
      Buffer.from(labelBytes("P1")).toString("latin1"),
      Buffer.from(labelBytes("P2")).toString("latin1")
    ])
  })
})
