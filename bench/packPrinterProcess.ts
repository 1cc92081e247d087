// The station's label and receipt printers in a process of their own, for `bench:pack --printers-apart`: a real
// printer is a device of its own, so its listener must not wait for the station's event loop before it notes a label's
// last byte (in the station's process, every accept and read of the stand-in queued behind the station's own work).
// Started with the directory to keep the jobs in; prints "ready <label port> <receipt port>" once both listen, then
// one JSON line per label job: its bytes (base64), its problems, and when its last byte came on the machine's
// monotonic clock (`process.hrtime`, the same in every process), in milliseconds. Stops when its stdin closes.
//   node --import tsx bench/packPrinterProcess.ts DIR
import { join } from "node:path"
import { start } from "../drivers/printer/PrinterSimulator.ts"

const [dir] = process.argv.slice(2)
if (dir === undefined) throw new Error("usage: packPrinterProcess.ts DIR")
/** Milliseconds to add to this process's `performance.now()` for the machine's monotonic clock. */
const toMonotonic = Number(process.hrtime.bigint()) / 1e6 - performance.now()

const label = await start({ dir: join(dir, "label"), language: "zpl", port: 0, render: false })
const receipt = await start({ dir: join(dir, "receipt"), language: "escpos", port: 0, render: false })
process.stdout.write(`ready ${label.port} ${receipt.port}\n`)

let reported = 0
const report = () => {
  const jobs = label.jobs()
  for (; reported < jobs.length; reported++) {
    const job = jobs[reported]!
    process.stdout.write(
      `${JSON.stringify({
        bytes: Buffer.from(job.bytes).toString("base64"),
        problems: job.problems.length,
        lastByteAt: job.lastByteAt + toMonotonic
      })}\n`
    )
  }
}
const timer = setInterval(report, 5)
process.stdin.on("end", () => {
  clearInterval(timer)
  report()
  void Promise.all([label.close(), receipt.close()]).then(() => process.exit(0))
})
process.stdin.resume()
