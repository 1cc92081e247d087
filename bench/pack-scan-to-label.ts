// Scan-to-label: from the last item scan the station accepted to the last label byte arriving at the simulated TCP
// label printer (stamped by its listener), over many orders packed by the scripted packer of `packbench simulate` on a
// fresh station (temp data dir, embedded broker, embedded hub). Simulated printers keep the bytes and skip rendering,
// so the figure is the station's, not the renderer's. Prints where the time goes (station logic before
// `pack.complete`, `pack.complete` until answered, the print worker taking the job, the socket write) and two raw
// baselines taken in the same run: one SQLite commit (WAL, synchronous=FULL) on the same disk, and a plain TCP write of
// the same label bytes to a loopback listener, with the ratio. With `--compare-with REF` it first runs the bench of
// an older commit (checked out in a temporary worktree) in the same run, e.g. `a385c98~1`, the last commit before
// every accepted scan became an event, so the cost of recording every scan shows side by side. `--hub-apart` runs the
// station's hub in a child process (bench/packHubProcess.ts) instead of on the station's event loop, as in production
// where the hub runs elsewhere; the station's own sync work (outbox, acks) stays in the figure. Also prints the
// event loop's delay over the run. Prints figures; asserts nothing.
//   npx tsx bench/pack-scan-to-label.ts [--orders N] [--hub-apart] [--compare-with REF]
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { connect, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { type LabelJob, percentile, runPackSimulation } from "../drivers/simulation/PackSimulation.ts"
import { openSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { loadConfig } from "../drivers/station/loadConfig.ts"
import { startLineChild } from "./lineChild.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const orders = Number(flag("--orders") ?? 1_000)
if (!Number.isInteger(orders) || orders < 1) throw new Error(`--orders must be a positive whole number`)
const rate = flag("--rate") === undefined ? undefined : Number(flag("--rate"))
if (rate !== undefined && !(Number.isFinite(rate) && rate > 0 && rate <= 1_000)) {
  throw new Error(`--rate must be orders per second, above 0 and at most 1000`)
}

const figure = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return `median ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`
}
const medianOf = (values: ReadonlyArray<number>) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50
  )

/** The raw floor of the socket write: each label's bytes over a fresh loopback connection, until the last byte is in. */
const rawTcpWrites = async (labels: ReadonlyArray<Buffer>): Promise<ReadonlyArray<number>> => {
  let lastByteAt = 0
  let closed: (() => void) | undefined
  const server = createServer((socket) => {
    socket.on("data", () => {
      lastByteAt = performance.now()
    })
    socket.on("close", () => closed?.())
    socket.on("end", () => socket.end())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  const times: Array<number> = []
  for (const bytes of labels) {
    const done = new Promise<void>((resolve) => {
      closed = resolve
    })
    const started = performance.now()
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes))
    socket.on("error", (error) => {
      throw error
    })
    await done
    times.push(lastByteAt - started)
  }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return times
}

/** The raw cost of one durable commit on the same disk: a one-row transaction, WAL and synchronous=FULL. */
const rawCommits = (dir: string, count: number): ReadonlyArray<number> => {
  const db = openSqlite({ filename: join(dir, "raw-commit.db") })
  try {
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
    const insert = db.prepare("INSERT INTO t (data) VALUES (?)")
    const times: Array<number> = []
    for (let index = 0; index < count; index++) {
      const started = performance.now()
      db.exec("BEGIN IMMEDIATE")
      insert.run(`parcel ${index}`)
      db.exec("COMMIT")
      times.push(performance.now() - started)
    }
    return times
  } finally {
    db.close()
  }
}

/** The older commit's own bench, run from a temporary worktree sharing node_modules: its headline lines. */
const benchOf = (ref: string): ReadonlyArray<string> => {
  const tree = mkdtempSync(join(tmpdir(), "pb-pack-bench-ref-"))
  rmSync(tree, { recursive: true })
  execFileSync("git", ["worktree", "add", "--detach", tree, ref], { stdio: "ignore" })
  try {
    symlinkSync(join(process.cwd(), "node_modules"), join(tree, "node_modules"))
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", "bench/pack-scan-to-label.ts", "--orders", String(orders)],
      { cwd: tree, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 }
    )
    return output.split("\n").filter((line) => line.startsWith("scan-to-label") || line.startsWith("throughput"))
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { stdio: "ignore" })
  }
}

/**
 * `--hub-apart`: the station's hub in a child process on the station's broker (bench/packHubProcess.ts), as in
 * production where the hub is not on the station's event loop. Resolves once it serves, with how to stop it.
 */
const hubProcess = async (dataDir: string, brokerUrl: string): Promise<() => Promise<unknown>> => {
  const child = await startLineChild("bench/packHubProcess.ts", [dataDir, brokerUrl], (line) =>
    line === "ready" ? true : undefined
  )
  return child.stop
}

/**
 * `--printers-apart`: the label and receipt printers in a child process (bench/packPrinterProcess.ts), as real
 * printers are devices of their own. Resolves once both listen, with their ports, the label jobs received so far (their
 * last byte's time turned into this process's `performance.now()`) and how to stop it.
 */
const printerProcess = async (dir: string) => {
  const toMonotonic = Number(process.hrtime.bigint()) / 1e6 - performance.now()
  const jobs: Array<LabelJob> = []
  const child = await startLineChild(
    "bench/packPrinterProcess.ts",
    [dir],
    (line) => {
      const ports = /^ready (\d+) (\d+)$/.exec(line)
      return ports === null ? undefined : { label: Number(ports[1]), receipt: Number(ports[2]) }
    },
    (line) => {
      const job = JSON.parse(line) as { bytes: string; lastByteAt: number; problems: number }
      jobs.push({
        bytes: Buffer.from(job.bytes, "base64"),
        lastByteAt: job.lastByteAt - toMonotonic,
        problems: Array.from({ length: job.problems })
      })
    }
  )
  const ports = child.ready
  return {
    ports,
    jobs: (): ReadonlyArray<LabelJob> => jobs,
    stop: child.stop
  }
}

const compareWith = flag("--compare-with")
if (compareWith !== undefined) {
  process.stderr.write(`running the bench of ${compareWith} first…\n`)
  for (const line of benchOf(compareWith)) console.log(`before (${compareWith}): ${line}`)
  console.log("now (this checkout):")
}

const dataDir = mkdtempSync(join(tmpdir(), "pb-pack-bench-"))
let stopPrinters: (() => Promise<unknown>) | undefined
try {
  const loaded = loadConfig({
    cwd: dataDir,
    env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
  })
  const hubApart = args.includes("--hub-apart")
  const printers = args.includes("--printers-apart") ? await printerProcess(join(dataDir, "printouts")) : undefined
  stopPrinters = printers?.stop
  const config = {
    ...loaded,
    ...(hubApart ? { hub: { ...loaded.hub, embedded: false } } : {}),
    ...(printers === undefined
      ? {}
      : {
          printers: {
            label: { type: "tcp" as const, host: "127.0.0.1", port: printers.ports.label },
            receipt: { type: "tcp" as const, host: "127.0.0.1", port: printers.ports.receipt }
          }
        })
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  loopDelay.enable()
  let lastProgress = ""
  const run = await runPackSimulation({
    config,
    orders,
    ...(rate === undefined ? {} : { ratePerSecond: rate }),
    renderPrintouts: false,
    seed: 1,
    ...(hubApart ? { afterStart: (station) => hubProcess(dataDir, station.brokerUrl) } : {}),
    ...(printers === undefined ? {} : { labelJobs: printers.jobs }),
    log: (line) => {
      if (line !== lastProgress) process.stderr.write(`${line}\n`)
      lastProgress = line
    }
  })
  loopDelay.disable()
  const { summary } = run
  const times = run.parcels.flatMap((parcel) => (parcel.scanToLabelMs === undefined ? [] : [parcel.scanToLabelMs]))
  const sorted = [...times].sort((a, b) => a - b)
  console.log(
    `scan-to-label over ${sorted.length} labels (${summary.packed}/${summary.orders} orders packed, ` +
      `${summary.refused.length} refused, ${summary.failed.length} failed): ` +
      `median ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, ` +
      `max ${(sorted[sorted.length - 1] ?? Number.NaN).toFixed(1)} ms`
  )
  console.log(
    `throughput ${summary.ordersPerSecond} orders/s (${(summary.elapsedMs / 1000).toFixed(1)} s), ` +
      `${summary.eventsAppended} events appended, outbox depth at end ${summary.outboxDepth}`
  )
  const timed = run.parcels.filter(
    (parcel) =>
      parcel.completeCalledAt !== undefined &&
      parcel.completeAnsweredAt !== undefined &&
      parcel.labelPrintingAt !== undefined &&
      parcel.labelLastByteAt !== undefined
  )
  const commits = rawCommits(dataDir, 200)
  const labelDir = join(dataDir, "printouts", "label")
  const labels = readdirSync(labelDir)
    .filter((file) => file.endsWith(".zpl"))
    .slice(0, 1_000)
    .map((file) => readFileSync(join(labelDir, file)))
  const raw = await rawTcpWrites(labels)
  console.log(`where scan-to-label goes (${timed.length} labels):`)
  console.log(
    `  station logic before pack.complete (box scan, weight): ${figure(timed.map((p) => p.completeCalledAt! - p.lastItemScanAt))}`
  )
  console.log(
    `  pack.complete until answered (logic and its commit): ${figure(timed.map((p) => p.completeAnsweredAt! - p.completeCalledAt!))}`
  )
  console.log(`    of which one SQLite commit (raw, same disk, WAL+FULL): ${figure(commits)}`)
  console.log(
    `  print worker (answer to the job marked printing; below 0: taken before the answer): ${figure(timed.map((p) => p.labelPrintingAt! - p.completeAnsweredAt!))}`
  )
  console.log(
    `  socket write (printing to the last byte at the printer): ${figure(timed.map((p) => p.labelLastByteAt! - p.labelPrintingAt!))}`
  )
  console.log(`raw baseline, plain TCP write of the same ${raw.length} labels over loopback: ${figure(raw)}`)
  const rawSorted = [...raw].sort((a, b) => a - b)
  console.log(
    `ratio scan-to-label / raw TCP write: median ${(percentile(sorted, 50) / medianOf(raw)).toFixed(0)}x, ` +
      `p99 ${(percentile(sorted, 99) / percentile(rawSorted, 99)).toFixed(0)}x`
  )
  const ms = (ns: number) => (ns / 1e6).toFixed(1)
  console.log(
    `event-loop delay during the run: median ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`
  )
  for (const problem of [...summary.refused, ...summary.failed].slice(0, 10)) {
    console.log(`  ${problem.kind} ${problem.orderId ?? ""} at ${problem.step}: ${problem.code}: ${problem.reason}`)
  }
} finally {
  await stopPrinters?.()
  rmSync(dataDir, { recursive: true, force: true })
}
