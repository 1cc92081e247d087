// Scan-to-label: from the last item scan the station accepted to the last label byte arriving at the simulated TCP
// label printer (stamped by its listener), over many orders packed by the scripted packer of `packbench simulate` on a
// fresh station (temp data dir, embedded broker, embedded hub). Simulated printers keep the bytes and skip rendering,
// so the figure is the station's, not the renderer's. Prints figures; asserts nothing.
//   npx tsx bench/pack-scan-to-label.ts [--orders N]
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { percentile, runPackSimulation } from "../drivers/simulation/PackSimulation.ts"
import { loadConfig } from "../drivers/station/loadConfig.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const orders = Number(flag("--orders") ?? 1_000)
if (!Number.isInteger(orders) || orders < 1) throw new Error(`--orders must be a positive whole number`)

const dataDir = mkdtempSync(join(tmpdir(), "pb-pack-bench-"))
try {
  const config = loadConfig({
    cwd: dataDir,
    env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
  })
  let lastProgress = ""
  const run = await runPackSimulation({
    config,
    orders,
    renderPrintouts: false,
    seed: 1,
    log: (line) => {
      if (line !== lastProgress) process.stderr.write(`${line}\n`)
      lastProgress = line
    }
  })
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
  for (const problem of [...summary.refused, ...summary.failed].slice(0, 10)) {
    console.log(`  ${problem.kind} ${problem.orderId ?? ""} at ${problem.step}: ${problem.code}: ${problem.reason}`)
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
