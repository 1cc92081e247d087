import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { ScaleReading, ScaleState } from "../../core/pack/Scale.ts"
import { ScaleSimulator } from "../../fixtures/simulators/ScaleSimulator.ts"
import { waitFor } from "../../fixtures/waitFor.ts"
import { SerialScale } from "./SerialScale.ts"

describe("SerialScale (MT-SICS) on a socat pty", () => {
  let directory: string
  let scope: Scope.Closeable
  let simulator: ScaleSimulator | undefined
  const readings: Array<ScaleReading> = []
  const states: Array<ScaleState> = []
  const faults = () => states.flatMap((state) => (state._tag === "Fault" ? [state.reason] : []))

  const run = async (options: Record<string, unknown>) => {
    const device = await Effect.runPromise(
      SerialScale.make({ baudRate: 9600, protocol: "mt-sics", pollMs: 50, reconnectInitialMs: 50, ...options })
    )
    await Effect.runPromise(
      Scope.provide(scope)(
        device.run({ onReading: (reading) => readings.push(reading), onState: (state) => states.push(state) })
      )
    )
  }

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "packbench-scale-"))
    scope = await Effect.runPromise(Scope.make())
    readings.length = 0
    states.length = 0
  })

  afterEach(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await simulator?.stop()
    simulator = undefined
    await rm(directory, { recursive: true, force: true })
  })

  it("polls SI and reports a moving parcel, then its stable weight, stamped when the reply arrived", async () => {
    simulator = await ScaleSimulator.start(directory)
    await run({ id: "bench-scale", path: simulator.scalePath })
    await waitFor("Connected", () => states.some((state) => state._tag === "Connected"))
    const before = Date.now()
    simulator.place(1234, 400)
    await waitFor("a moving reading", () => readings.some((r) => !r.stable && r.grams > 1000))
    await waitFor("the stable reading", () => readings.some((r) => r.stable && r.grams === 1234))
    const firstStable = readings.findIndex((r) => r.stable && r.grams === 1234)
    const moving = readings.findIndex((r) => !r.stable && r.grams > 1000)
    expect(moving).toBeLessThan(firstStable)
    expect(readings[moving]?.grams).toBeCloseTo(1197, 0)
    const stable = readings[firstStable]!
    expect(stable.deviceId).toBe("bench-scale")
    expect(stable.at.wallMs).toBeGreaterThanOrEqual(before + 300)
    expect(stable.at.wallMs).toBeLessThanOrEqual(Date.now())
    expect(simulator.commands.every((command) => command === "SI")).toBe(true)
    expect(faults()).toEqual([])
  })

  it("converts kg, lb and oz replies to grams", async () => {
    simulator = await ScaleSimulator.start(directory)
    await run({ path: simulator.scalePath })
    simulator.place(2500)
    for (const [unit, grams] of [
      ["kg", 2500],
      // 5.512 lb and 88.18 oz: the scale's own rounding, not the driver's.
      ["lb", 2500.2],
      ["oz", 2499.9]
    ] as const) {
      simulator.unit = unit
      readings.length = 0
      await waitFor(`a reading in ${unit}`, () => readings.length >= 2)
      expect(readings.at(-1)?.grams).toBeCloseTo(grams, 1)
    }
  })

  it("streams with SIR in continuous mode and stops the stream when it closes", async () => {
    simulator = await ScaleSimulator.start(directory)
    await run({ path: simulator.scalePath, continuous: true })
    simulator.place(640)
    await waitFor("streamed readings", () => readings.filter((r) => r.grams === 640).length >= 5)
    expect(simulator.commands).toEqual(["SIR"])
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await waitFor("the reset", () => simulator!.commands.includes("@"))
    scope = await Effect.runPromise(Scope.make())
  })

  it("reports overload, underload and garbage as faults with a clear reason, and recovers", async () => {
    simulator = await ScaleSimulator.start(directory)
    await run({ path: simulator.scalePath })
    await waitFor("Connected", () => states.some((state) => state._tag === "Connected"))
    simulator.overload()
    await waitFor("the overload", () => faults().some((reason) => reason.includes("overloaded")))
    simulator.underload()
    await waitFor("the underload", () => faults().some((reason) => reason.includes("underload")))
    simulator.place(300)
    await waitFor("a weight again", () => readings.some((r) => r.grams === 300))
    expect(states.at(-1)).toEqual({ _tag: "Connected" })
    simulator.sendRaw("\u00ff\u00fe#*garbage*\r\n")
    await waitFor("the garbage fault", () => faults().some((reason) => reason.includes("not an MT-SICS reply")))
    expect(faults().find((reason) => reason.includes("not an MT-SICS"))).toContain('"\\xff\\xfe#*garbage*"')
    // One message per fault, not one per poll.
    expect(faults().filter((reason) => reason.includes("overloaded"))).toHaveLength(1)
  })

  it("reports an unplug and weighs again after the replug", async () => {
    simulator = await ScaleSimulator.start(directory)
    await run({ path: simulator.scalePath })
    simulator.place(500)
    await waitFor("a reading", () => readings.some((r) => r.grams === 500))
    await simulator.unplug()
    await waitFor("Disconnected", () => states.some((state) => state._tag === "Disconnected"))
    const disconnected = states.find((state) => state._tag === "Disconnected")
    expect(disconnected?._tag === "Disconnected" && disconnected.reason).toMatch(/unplugged|closed|error/)
    // Unplugged for a while: the link's reopens (every 50 ms at first) fail, "cannot open", and say nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await simulator.replug()
    simulator.place(750)
    await waitFor("a reading after the replug", () => readings.some((r) => r.grams === 750))
    expect(states.filter((state) => state._tag === "Disconnected")).toHaveLength(1)
    expect(states.at(-1)).toEqual({ _tag: "Connected" })
  })

  it("says so when nothing answers, and rejects options that can never work", async () => {
    simulator = await ScaleSimulator.start(directory)
    simulator.muted = true
    await run({ path: simulator.scalePath, answerTimeoutMs: 300 })
    await waitFor("the silence fault", () => faults().some((reason) => reason.includes("no answer")))
    expect(faults()[0]).toContain("no answer from the scale for 300 ms")
    simulator.muted = false
    simulator.place(90)
    await waitFor("a reading once it answers", () => readings.some((r) => r.grams === 90))
    const bad = await Effect.runPromise(
      Effect.flip(SerialScale.make({ path: "/dev/ttyX", baudRate: 9601, protocol: "ascii" }))
    )
    expect(bad.message).toContain("baudRate")
    expect(bad.message).toContain("protocol")
  })
})
