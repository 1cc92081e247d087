import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PackView, PushMessage, ScaleView, StationStatus } from "../../core/api/StationApi.ts"
import { packbenchCode } from "../../fixtures/packbenchCode.ts"
import { ScaleSimulator } from "../../fixtures/simulators/ScaleSimulator.ts"
import { found } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

describe("a station with an MT-SICS scale on a serial port", () => {
  let station: RunningStation
  let scale: ScaleSimulator
  const pushes: Array<PushMessage> = []
  const scalePushes = () => pushes.filter((push) => push.name === "scale").map((push) => push.payload as ScaleView)
  const call = async <A>(name: string, input: unknown): Promise<A> => {
    const result = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
    return result.value as A
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-scale-station-"))
    scale = await ScaleSimulator.start(dir)
    writeFileSync(
      join(dir, "packbench.config.json"),
      JSON.stringify({
        scanners: [{ type: "simulated", id: "sim" }],
        scales: [{ type: "serial", id: "bench-scale", path: scale.scalePath, baudRate: 9600, protocol: "mt-sics" }]
      })
    )
    const config = loadConfig({
      cwd: dir,
      env: { PACKBENCH_DATA_DIR: join(dir, "data"), PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: () => {} })
    station.subscribe((message) => pushes.push(message))
    await found(() => scalePushes().find((view) => view.state === "ok"), "the scale to answer")
  })
  const db = () => {
    const database = new Database(join(station.config.dataDir, "station.db"), { readonly: true })
    opened.push(database)
    return database
  }
  const opened: Array<Database.Database> = []
  afterAll(async () => {
    for (const database of opened) database.close()
    await station.close()
    await scale.stop()
  })

  it("lists the bench's boxes with their number keys", async () => {
    const boxes = await call<ReadonlyArray<{ boxId: string; key: string | null; tareGrams: number }>>("pack.boxes", {})
    expect(boxes.map((box) => [box.key, box.boxId])).toEqual([
      ["1", "S"],
      ["2", "M"],
      ["3", "L"],
      ["4", "XL"]
    ])
  })

  it("weighs the parcel on the scale with one call, stamping events with the reading's time", async () => {
    await call("session.signIn", { badge: packbenchCode("badge", "B-1001") })
    for (const raw of [packbenchCode("order", "SO-100001"), "4260123450014", "4260123450014", "4260123450038"]) {
      await call("pack.scan", { raw })
    }
    await call("pack.chooseBox", { boxId: "S" })
    scale.place(872, 600)
    await found(() => scalePushes().find((view) => view.reading?.grams === 845.8 && !view.reading.stable), "moving")
    expect(await station.call("pack.weighOnScale", {})).toMatchObject({
      ok: false,
      error: { code: "scale-not-stable" }
    })
    await found(() => scalePushes().find((view) => view.reading?.grams === 872 && view.reading.stable), "stable")

    // A parcel too heavy for its contents: refused, and the exception happened when the scale read it.
    scale.place(2000)
    const heavy = await found(
      () => scalePushes().find((view) => view.reading?.grams === 2000 && view.reading.stable),
      "the wrong weight"
    )
    const refused = await call<PackView>("pack.weighOnScale", {})
    expect(refused.refusal?.code).toBe("weight-out-of-tolerance")
    const exception = db()
      .prepare("SELECT event_wall_ms, event_mono_ns FROM events WHERE type = 'pack.exception' ORDER BY seq DESC")
      .get() as { event_wall_ms: number; event_mono_ns: string }
    expect(exception).toEqual({ event_wall_ms: heavy.reading!.at.wallMs, event_mono_ns: heavy.reading!.at.monoNs })

    scale.place(872)
    await found(
      () => scalePushes().findLast((view) => view.reading?.stable)?.reading?.grams === 872 || undefined,
      "872"
    )
    const weighed = await call<PackView>("pack.weighOnScale", {})
    expect(weighed.refusal).toBeNull()
    expect(weighed.weight).toMatchObject({ grams: 872, source: "scale" })
    expect((await call<PackView>("pack.complete", {})).step).toBe("packed")
    const packed = db().prepare("SELECT payload FROM events WHERE type = 'parcel.packed'").get() as { payload: string }
    expect(JSON.parse(packed.payload)).toMatchObject({ orderId: "SO-100001", weightGrams: 872, weightSource: "scale" })
    const status = await call<StationStatus>("station.status", {})
    expect(status.devices.find((device) => device.id === "bench-scale")).toMatchObject({ kind: "scale", state: "ok" })
  })

  it("shows an overloaded scale in the device list and takes no weight from it", async () => {
    scale.overload()
    const fault = await found(() => scalePushes().find((view) => view.state === "fault"), "the overload")
    expect(fault).toMatchObject({ reading: null, detail: expect.stringContaining("overloaded") })
    const status = await call<StationStatus>("station.status", {})
    expect(status.devices.find((device) => device.id === "bench-scale")).toMatchObject({
      state: "warning",
      condition: "scale-fault",
      detail: expect.stringContaining("overloaded")
    })
    expect(await station.call("pack.weighOnScale", {})).toMatchObject({
      ok: false,
      error: { code: "scale-unavailable" }
    })
  })
})
