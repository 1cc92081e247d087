import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startLabelService } from "../../../fixtures/carriers/LabelServiceSimulator.ts"
import { ScaleSimulator } from "../../../fixtures/simulators/ScaleSimulator.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "../../mqtt/EmbeddedBroker.ts"
import { freePort } from "../../net/LoopbackPort.ts"
import { doctorCommand } from "./doctor.ts"

const runDoctor = async (env: Record<string, string>) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let text = ""
  stdout.on("data", (chunk) => {
    text += String(chunk)
  })
  const code = await doctorCommand.run([], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env,
    cwd: mkdtempSync(join(tmpdir(), "pb-doctor-"))
  })
  return { code, lines: text.trim().split("\n") }
}

describe("packbench doctor", () => {
  let broker: EmbeddedBroker
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  })
  afterAll(() => broker.close())

  it("is all green on embedded defaults", async () => {
    const { code, lines } = await runDoctor({ PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) })
    expect(lines.map((line) => line.split(":")[0])).toEqual([
      "ok   config",
      "ok   data dir",
      "ok   database",
      "ok   broker",
      "ok   scanner sim-scanner",
      "ok   scale sim-scale",
      "ok   label printer",
      "ok   receipt printer"
    ])
    expect(code).toBe(0)
  })

  it("names the broker when it is unreachable and exits non-zero", async () => {
    const port = await freePort()
    const { code, lines } = await runDoctor({ PACKBENCH_BROKER_URL: `mqtt://127.0.0.1:${port}` })
    expect(code).toBe(1)
    expect(lines.filter((line) => line.startsWith("FAIL"))).toEqual([
      `FAIL broker: cannot connect to mqtt://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`
    ])
  })

  it("connects to a configured broker that is up", async () => {
    const { code, lines } = await runDoctor({ PACKBENCH_BROKER_URL: broker.url })
    expect(lines).toContain(`ok   broker: ${broker.url} accepted a connection`)
    expect(code).toBe(0)
  })

  it("names an unreachable network printer", async () => {
    const { code, lines } = await runDoctor({
      PACKBENCH_CONFIG: join(import.meta.dirname, "doctor.fixture.json"),
      PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort())
    })
    expect(code).toBe(1)
    expect(lines.find((line) => line.startsWith("FAIL label printer"))).toMatch(/127\.0\.0\.1:9/)
  })

  it("asks a serial scale for a weight, and names one that does not answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-doctor-scale-"))
    const scale = await ScaleSimulator.start(dir)
    try {
      const config = join(dir, "packbench.config.json")
      writeFileSync(
        config,
        JSON.stringify({ scales: [{ type: "serial", id: "bench-scale", path: scale.scalePath, protocol: "mt-sics" }] })
      )
      const env = { PACKBENCH_CONFIG: config, PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) }
      scale.place(1250)
      const answered = await runDoctor(env)
      expect(answered.lines).toContain(`ok   scale bench-scale: ${scale.scalePath} answers MT-SICS: 1250 g (stable)`)
      scale.muted = true
      const silent = await runDoctor(env)
      expect(silent.code).toBe(1)
      expect(silent.lines.find((line) => line.startsWith("FAIL scale bench-scale"))).toContain("no answer")
    } finally {
      await scale.stop()
    }
  })

  it("reports an API carrier's label service on one line, a warning when it is out of reach", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-doctor-carrier-"))
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
    try {
      const config = join(dir, "packbench.config.json")
      writeFileSync(config, JSON.stringify({ carriers: { "dhl-paket": { type: "api", baseUrl: service.url } } }))
      const env = { PACKBENCH_CONFIG: config, PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) }
      const up = await runDoctor(env)
      expect(up.lines.filter((line) => line.includes(" carrier "))).toEqual([
        `ok   carrier dhl-paket: ${service.url} answers (HTTP 404)`
      ])
      expect(up.code).toBe(0)
      await service.down()
      const down = await runDoctor(env)
      expect(down.lines.filter((line) => line.includes(" carrier "))).toEqual([
        `WARN carrier dhl-paket: cannot reach ${service.url} (fetch failed: connect ECONNREFUSED 127.0.0.1:${service.port}); parcels wait as label pending until it answers`
      ])
      // Packing goes on while the service is out of reach, so the station is still fit to start.
      expect(down.code).toBe(0)
    } finally {
      await service.close()
    }
  })
})
