import { scannerConformance } from "./ScannerConformance.suite.ts"
import { SimulatedScanner } from "./SimulatedScanner.ts"

scannerConformance("in-process SimulatedScanner", async () => {
  const scanner = new SimulatedScanner("sim-1")
  return {
    device: scanner,
    sendBytes: async (bytes) => {
      scanner.injectBytes(bytes)
    },
    unplug: async () => scanner.unplug(),
    replug: async () => scanner.replug(),
    dispose: async () => {}
  }
})
