import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { RawScan, ScannerDevice, ScannerState } from "../../core/scan/Scanner.ts"
import { waitFor } from "../../fixtures/waitFor.ts"

/** What the suite needs to drive one kind of scanner: the device, and the far end of its "cable". */
export interface ScannerHarness {
  readonly device: ScannerDevice
  /** Bytes exactly as the scanner's firmware sends them; the device is set to the CR suffix. */
  readonly sendBytes: (bytes: Uint8Array) => Promise<void>
  readonly unplug: () => Promise<void>
  readonly replug: () => Promise<void>
  readonly dispose: () => Promise<void>
}

const text = (value: string) => new TextEncoder().encode(value)

/**
 * The contract every `ScannerDevice` keeps (see core/scan/Scanner.ts), written once and run against each driver and
 * simulator, so the simulated scanner cannot drift from the real one.
 */
export const scannerConformance = (name: string, makeHarness: () => Promise<ScannerHarness>): void => {
  describe(`ScannerDevice conformance: ${name}`, () => {
    let harness: ScannerHarness
    let scope: Scope.Closeable
    let scans: Array<RawScan>
    let states: Array<ScannerState>
    const tags = () => states.map((state) => state._tag)

    const start = async () => {
      await Effect.runPromise(
        Scope.provide(scope)(
          harness.device.run({ onScan: (scan) => scans.push(scan), onState: (state) => states.push(state) })
        )
      )
      await waitFor("Connected", () => tags().includes("Connected"))
    }

    beforeEach(async () => {
      harness = await makeHarness()
      scope = await Effect.runPromise(Scope.make())
      scans = []
      states = []
    })

    afterEach(async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await harness.dispose()
    })

    it("reports Connected, then delivers framed scans in order, stamped on arrival", async () => {
      await start()
      const before = Date.now()
      const beforeMono = process.hrtime.bigint()
      const gs1 = "]C1010950123456789017250101\u001d10LOT42"
      await harness.sendBytes(text(`1Z999AA10123456784\r${gs1}\r`))
      await harness.sendBytes(text("0012345678905\r"))
      await waitFor("3 scans", () => scans.length >= 3)
      expect(scans.map((scan) => scan.raw)).toEqual(["1Z999AA10123456784", gs1, "0012345678905"])
      for (const scan of scans) {
        expect(scan.deviceId).toBe(harness.device.id)
        expect(scan.at.wallMs).toBeGreaterThanOrEqual(before)
        expect(scan.at.wallMs).toBeLessThanOrEqual(Date.now())
        expect(BigInt(scan.at.monoNs)).toBeGreaterThanOrEqual(beforeMono)
      }
      const monos = scans.map((scan) => BigInt(scan.at.monoNs))
      expect(monos).toEqual([...monos].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      expect(tags()).toEqual(["Connected"])
    })

    it("reports garbage as Rejected and goes on delivering later scans", async () => {
      await start()
      await harness.sendBytes(Uint8Array.of(0x00, 0x80, 0xf8, 0xfe, 0x00, 0x98, 0xe0, 0x1f, 0x06, 0x0d))
      await harness.sendBytes(text("AFTER-NOISE\r"))
      await waitFor("the scan after the noise", () => scans.length >= 1)
      expect(scans.map((scan) => scan.raw)).toEqual(["AFTER-NOISE"])
      const rejected = states.find((state) => state._tag === "Rejected")
      expect(rejected?._tag === "Rejected" && rejected.reason).toMatch(/not printable/)
    })

    it("reports Disconnected on unplug, Connected on replug, and delivers scans after it", async () => {
      await start()
      await harness.unplug()
      await waitFor("Disconnected", () => tags().includes("Disconnected"))
      await harness.replug()
      await waitFor("Connected again", () => tags().filter((tag) => tag === "Connected").length === 2, 10_000)
      expect(tags()).toEqual(["Connected", "Disconnected", "Connected"])
      const disconnected = states[1]
      expect(disconnected?._tag === "Disconnected" && disconnected.reason.length).toBeGreaterThan(0)
      await harness.sendBytes(text("AFTER-REPLUG\r"))
      await waitFor("the scan after replug", () => scans.length >= 1)
      expect(scans.map((scan) => scan.raw)).toEqual(["AFTER-REPLUG"])
    })

    it("delivers nothing once its scope is closed", async () => {
      await start()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await harness.sendBytes(text("TOO-LATE\r")).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(scans).toEqual([])
    })
  })
}
