import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { RawScan, ScannerState } from "../../core/scan/Scanner.ts"
import { ScannerSimulator } from "../../fixtures/simulators/ScannerSimulator.ts"
import { waitFor } from "../../fixtures/waitFor.ts"
import { SerialScanner } from "./SerialScanner.ts"
import { TimedFramer } from "./TimedFramer.ts"

describe("SerialScanner on a socat pty", () => {
  let directory: string
  let scope: Scope.Closeable
  let simulator: ScannerSimulator | undefined
  const scans: Array<RawScan> = []
  const states: Array<ScannerState> = []

  const run = async (options: Record<string, unknown>) => {
    const device = await Effect.runPromise(SerialScanner.make({ baudRate: 115200, reconnectInitialMs: 50, ...options }))
    await Effect.runPromise(
      Scope.provide(scope)(device.run({ onScan: (scan) => scans.push(scan), onState: (state) => states.push(state) }))
    )
  }

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "packbench-serial-"))
    scope = await Effect.runPromise(Scope.make())
    scans.length = 0
    states.length = 0
  })

  afterEach(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await simulator?.stop()
    simulator = undefined
    await rm(directory, { recursive: true, force: true })
  })

  it("frames a scanner that sends characters slowly and one with no suffix", async () => {
    simulator = await ScannerSimulator.start(directory)
    // The gap that ends a scan is far above the 5 ms between characters, so a loaded machine's scheduling jitter
    // (tens of ms on a busy CI runner) cannot split one scan in two; the pure framing is tested byte by byte.
    await run({ path: simulator.scannerPath, framing: { suffix: "none", interByteTimeoutMs: 400 } })
    await waitFor("Connected", () => states.some((state) => state._tag === "Connected"))
    await simulator.send(["SLOW-0001"], { suffix: "", interCharDelayMs: 5 })
    await waitFor("the slow scan", () => scans.length >= 1)
    await simulator.send(["FAST-0002"], { suffix: "" })
    await waitFor("the second scan", () => scans.length >= 2)
    expect(scans.map((scan) => scan.raw)).toEqual(["SLOW-0001", "FAST-0002"])
  })

  it("waits for a scanner that is not plugged in yet, reporting why", async () => {
    const path = join(directory, "scanner")
    await run({ path })
    await waitFor("Disconnected", () => states.length >= 1)
    expect(states[0]).toMatchObject({ _tag: "Disconnected" })
    expect(states[0]?._tag === "Disconnected" && states[0].reason).toContain(path)
    simulator = await ScannerSimulator.start(directory)
    await waitFor("Connected", () => states.some((state) => state._tag === "Connected"))
    await simulator.send(["LATE-PLUG"])
    await waitFor("the scan", () => scans.length >= 1)
    expect(scans[0]?.raw).toBe("LATE-PLUG")
    expect(states.filter((state) => state._tag === "Disconnected")).toHaveLength(1)
  })

  it("reports an unplug with the port's reason and drops a half-sent read", async () => {
    simulator = await ScannerSimulator.start(directory)
    // Only the unplug may end the half-sent read: with the default 100 ms inter-byte timeout, a busy CI runner that
    // takes longer than that to tear down the pty would see the silence end it as a scan first.
    await run({ path: simulator.scannerPath, framing: { suffix: "CR", interByteTimeoutMs: 600_000 } })
    await waitFor("Connected", () => states.some((state) => state._tag === "Connected"))
    // The bytes cross socat (another process) before the scanner reads them: an unplug before they are through would
    // leave no half-sent read to drop, so the unplug waits until the scanner's framer has them all.
    const half = new TextEncoder().encode("HALF-A-RE")
    const pushed = vi.spyOn(TimedFramer.prototype, "push")
    try {
      await simulator.write(half)
      await waitFor(
        "the half-sent read at the scanner",
        () => pushed.mock.calls.reduce((bytes, [chunk]) => bytes + chunk.length, 0) >= half.length
      )
    } finally {
      pushed.mockRestore()
    }
    await simulator.unplug()
    await waitFor("Disconnected", () => states.some((state) => state._tag === "Disconnected"))
    expect(scans).toEqual([])
    const tags = states.map((state) => state._tag)
    expect(tags).toEqual(["Connected", "Rejected", "Disconnected"])
  })
})
