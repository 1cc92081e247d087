import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { ScannerSimulator } from "../../fixtures/simulators/ScannerSimulator.ts"
import { scannerConformance } from "./ScannerConformance.suite.ts"
import { SerialScanner } from "./SerialScanner.ts"

scannerConformance("SerialScanner on a socat pty (ScannerSimulator)", async () => {
  const directory = await mkdtemp(join(tmpdir(), "packbench-scanner-"))
  const simulator = await ScannerSimulator.start(directory)
  const device = await Effect.runPromise(
    SerialScanner.make({ path: simulator.scannerPath, baudRate: 9600, reconnectInitialMs: 50, reconnectMaxMs: 200 })
  )
  return {
    device,
    sendBytes: (bytes) => simulator.write(bytes),
    unplug: () => simulator.unplug(),
    replug: () => simulator.replug(),
    dispose: async () => {
      await simulator.stop()
      await rm(directory, { recursive: true, force: true })
    }
  }
})
