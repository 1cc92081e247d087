import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ScannerSimulator } from "../../fixtures/simulators/ScannerSimulator.ts"
import { waitFor } from "../../fixtures/waitFor.ts"
import { SerialDeviceLink, type SerialLinkState } from "./SerialDeviceLink.ts"

// The scanner simulator's socat pty pair serves here as a bare serial cable.
describe("SerialDeviceLink on a socat pty", () => {
  let directory: string
  let scope: Scope.Closeable
  let simulator: ScannerSimulator | undefined
  /** Everything the link told the consumer, in order. */
  let log: Array<string>
  let sessionsOpened: Array<number>
  let received: string
  let ticks: number
  let openAtClose: Array<boolean>

  const run = async (path: string) => {
    const link = new SerialDeviceLink({ path, baudRate: 9600, reconnectInitialMs: 50, reconnectMaxMs: 200 }, 50)
    let sessions = 0
    await Effect.runPromise(
      Scope.provide(scope)(
        link.run({
          onState: (state: SerialLinkState) =>
            log.push(state._tag === "Connected" ? "Connected" : `Disconnected: ${state.reason}`),
          openSession: (port) => {
            const session = ++sessions
            sessionsOpened.push(Date.now())
            return {
              onData: (chunk) => {
                received += chunk.toString("latin1")
              },
              onOpen: () => log.push(`open ${session}`),
              onTick: () => {
                ticks++
              },
              onClose: (reason) => {
                openAtClose.push(port.isOpen)
                log.push(`close ${session}: ${reason ?? "stopped"}`)
              }
            }
          }
        })
      )
    )
  }

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "packbench-link-"))
    scope = await Effect.runPromise(Scope.make())
    log = []
    sessionsOpened = []
    received = ""
    ticks = 0
    openAtClose = []
  })

  afterEach(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await simulator?.stop()
    simulator = undefined
    await rm(directory, { recursive: true, force: true })
  })

  it("hands the bytes to the session, ticks while open, and ends the session before reporting the unplug", async () => {
    simulator = await ScannerSimulator.start(directory)
    await run(simulator.scannerPath)
    await waitFor("Connected", () => log.includes("Connected"))
    expect(log.slice(0, 2)).toEqual(["Connected", "open 1"])
    await simulator.write(new TextEncoder().encode("\x02raw bytes\x03"))
    await waitFor("the bytes", () => received === "\x02raw bytes\x03")
    await waitFor("ticks", () => ticks >= 2)
    await simulator.unplug()
    await waitFor("Disconnected", () => log.some((entry) => entry.startsWith("Disconnected")))
    const closed = log.findIndex((entry) => entry.startsWith("close 1: "))
    const reason = log[closed]?.slice("close 1: ".length)
    expect(reason).toMatch(/unplugged|closed|error/)
    expect(log[closed + 1]).toBe(`Disconnected: ${reason}`)
  })

  it("keeps reopening a missing device with growing delays, reporting it once", async () => {
    const path = join(directory, "scanner")
    await run(path)
    await waitFor("four failed opens", () => sessionsOpened.length >= 4)
    const disconnects = log.filter((entry) => entry.startsWith("Disconnected"))
    expect(disconnects).toHaveLength(1)
    expect(disconnects[0]).toContain(`cannot open ${path}`)
    // Lower bounds only: a loaded machine may wait longer, never shorter.
    const gaps = sessionsOpened.slice(1).map((at, index) => at - (sessionsOpened[index] ?? at))
    expect(gaps[0]).toBeGreaterThanOrEqual(45)
    expect(gaps[1]).toBeGreaterThanOrEqual(95)
    expect(gaps[2]).toBeGreaterThanOrEqual(195)
    simulator = await ScannerSimulator.start(directory)
    await waitFor("Connected", () => log.includes("Connected"))
  })

  it("lets the session speak last while the port is still open when the device is stopped", async () => {
    simulator = await ScannerSimulator.start(directory)
    await run(simulator.scannerPath)
    await waitFor("Connected", () => log.includes("Connected"))
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(log.at(-1)).toBe("close 1: stopped")
    expect(openAtClose).toEqual([true])
    expect(log.some((entry) => entry.startsWith("Disconnected"))).toBe(false)
    scope = await Effect.runPromise(Scope.make())
  })
})
