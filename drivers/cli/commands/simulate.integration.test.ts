import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { validateZpl } from "../../../core/label/validateZpl.ts"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { type Mosquitto, startMosquitto } from "../../../fixtures/mqtt/MosquittoProcess.ts"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { runCommand } from "../main.ts"

const run = async (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const captured = capturedIo({ env })
  const code = await runCommand(argv, captured.io)
  return { code, ...captured.output() }
}

interface EventRow {
  readonly seq: number
  readonly type: string
  readonly payload: string
}

describe("packbench simulate", () => {
  let mosquitto: Mosquitto
  let dataDir: string
  beforeAll(async () => {
    mosquitto = await startMosquitto()
    dataDir = mkdtempSync(join(tmpdir(), "pb-simulate-"))
  })
  afterAll(async () => {
    await mosquitto?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("packs and hands over generated orders through the station's inbox, event log, sync engine and printers", async () => {
    const watcher = await mqtt.connectAsync(mosquitto.url, { clientId: "simulate-test-watcher", protocolVersion: 5 })
    const published: Array<{ type: string; seq: number; orderId: string }> = []
    watcher.on("message", (_topic, payload) => {
      const event = JSON.parse(payload.toString("utf8"))
      published.push({ type: event.type, seq: event.seq, orderId: event.payload.orderId })
    })
    await watcher.subscribeAsync("packbench/v1/+/+/events/#", { qos: 1 })

    const result = await run(["simulate", "--orders", "3", "--broker", mosquitto.url, "--data-dir", dataDir])
    expect(result.err).toContain("3/3 orders")
    expect(result.code, result.err).toBe(0)
    const summary = JSON.parse(result.out)
    expect(summary).toMatchObject({ orders: 3, packed: 3, handedOver: 3, refused: [], failed: [], malformedLabels: 0 })
    expect(summary.broker).toBe(mosquitto.url)
    expect(summary.scanToLabelMs.samples).toBe(3)
    expect(summary.scanToLabelMs.median).toBeGreaterThan(0)
    expect(summary.scanToLabelMs.p99).toBeGreaterThanOrEqual(summary.scanToLabelMs.median)

    const db = openSqlite({ filename: join(dataDir, "station.db"), readonly: true })
    const events = db.prepare<[], EventRow>("SELECT seq, type, payload FROM events ORDER BY seq").all()
    const applied = db
      .prepare<[], { msg_id: string }>(
        "SELECT msg_id FROM sync_inbox WHERE type = 'order.upsert' AND outcome = 'applied'"
      )
      .all()
    db.close()
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(summary.lastSeq).toBe(events.length)
    const seqOf = (type: string, orderId: string) =>
      events.find((event) => {
        const payload = JSON.parse(event.payload)
        return event.type === type && (payload.orderId ?? payload.order?.orderId) === orderId
      })?.seq
    const packed = events.filter((event) => event.type === "parcel.packed").map((event) => JSON.parse(event.payload))
    expect(packed).toHaveLength(3)
    for (const parcel of packed) {
      expect(parcel.orderId).toMatch(/^SIM-[A-Z0-9]+-\d{5}$/)
      expect(applied.map((row) => row.msg_id)).toContain(`simulated-${parcel.orderId}-v1`)
      const received = seqOf("order.received", parcel.orderId)!
      const packedSeq = seqOf("parcel.packed", parcel.orderId)!
      const handed = seqOf("parcel.handed-to-carrier", parcel.orderId)!
      expect(received).toBeLessThan(packedSeq)
      expect(packedSeq).toBeLessThan(handed)
    }

    // Every label the simulated printer received is well-formed ZPL, one per parcel (the rest are manifests).
    const labelDir = join(dataDir, "printouts", "label")
    const labels = readdirSync(labelDir)
      .filter((file) => file.endsWith(".zpl"))
      .map((file) => readFileSync(join(labelDir, file)))
    for (const label of labels) expect(validateZpl(label)).toEqual([])
    for (const parcel of packed) {
      expect(labels.filter((label) => label.toString("latin1").includes(`Parcel: ${parcel.parcelId}`))).toHaveLength(1)
    }

    // The sync engine published them: the watcher on the broker saw each parcel's events with the log's numbers.
    for (
      let attempt = 0;
      attempt < 100 && published.filter((e) => e.type === "parcel.handed-to-carrier").length < 3;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await watcher.endAsync()
    for (const parcel of packed) {
      expect(published).toContainEqual({
        type: "parcel.packed",
        seq: seqOf("parcel.packed", parcel.orderId),
        orderId: parcel.orderId
      })
      expect(published).toContainEqual({
        type: "parcel.handed-to-carrier",
        seq: seqOf("parcel.handed-to-carrier", parcel.orderId),
        orderId: parcel.orderId
      })
    }
  })

  it("keeps to --rate and, on the embedded broker and hub, ends with every event confirmed", async () => {
    const embeddedDir = mkdtempSync(join(tmpdir(), "pb-simulate-embedded-"))
    try {
      const result = await run(["simulate", "--orders", "2", "--rate", "0.25", "--data-dir", embeddedDir], {
        PACKBENCH_EMBEDDED_BROKER_PORT: "0"
      })
      expect(result.code, result.err).toBe(0)
      const summary = JSON.parse(result.out)
      expect(summary).toMatchObject({ orders: 2, packed: 2, handedOver: 2, outboxDepth: 0 })
      expect(summary.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/)
      // At 0.25 orders/s the second order starts 4 s after the first; packing one takes about a second here.
      const db = openSqlite({ filename: join(embeddedDir, "station.db"), readonly: true })
      const packedAt = db
        .prepare<[], { event_wall_ms: number }>(
          "SELECT event_wall_ms FROM events WHERE type = 'parcel.packed' ORDER BY seq"
        )
        .all()
        .map((row) => row.event_wall_ms)
      db.close()
      expect(packedAt).toHaveLength(2)
      expect(packedAt[1]! - packedAt[0]!).toBeGreaterThanOrEqual(2_500)
    } finally {
      rmSync(embeddedDir, { recursive: true, force: true })
    }
  })

  it("refuses bad flags with a message and exit code 2", async () => {
    const cases: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
      [[], /--orders is required/],
      [["--orders", "many"], /--orders must be a whole number/],
      [["--orders", "0"], /--orders must be a whole number/],
      [["--orders", "3", "--rate", "0"], /--rate must be a positive number/],
      [["--orders", "3", "--rate", "fast"], /--rate must be a positive number/],
      [["--orders", "3", "--broker", "localhost:1883"], /--broker must be an mqtt:\/\//],
      [["--orders", "3", "--speed", "9"], /unknown option --speed/],
      [["--orders", "3", "extra"], /unexpected extra/]
    ]
    for (const [argv, message] of cases) {
      const result = await run(["simulate", ...argv])
      expect(result.code, argv.join(" ")).toBe(2)
      expect(result.err).toMatch(message)
      expect(result.err).toContain("usage: packbench simulate --orders N")
      expect(result.out).toBe("")
    }
  })
})
