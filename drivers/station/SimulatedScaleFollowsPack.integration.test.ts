import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PackView, PushMessage, ScaleView } from "../../core/api/StationApi.ts"
import { packbenchCode } from "../../fixtures/packbenchCode.ts"
import { found } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { startStation } from "./Station.ts"

const startWith = async (env: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "pb-follow-scale-"))
  const config = loadConfig({
    cwd: dir,
    env: {
      PACKBENCH_DATA_DIR: join(dir, "data"),
      PACKBENCH_HTTP_PORT: "0",
      PACKBENCH_EMBEDDED_BROKER_PORT: "0",
      ...env
    }
  })
  const station = await startStation({ config, http: false, log: () => {} })
  const pushes: Array<PushMessage> = []
  station.subscribe((message) => pushes.push(message))
  const call = async <A>(name: string, input: unknown): Promise<A> => {
    const result = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
    return result.value as A
  }
  const scaleReadings = () =>
    pushes.flatMap((push) => (push.name === "scale" ? [(push.payload as ScaleView).reading] : []))
  await found(
    () => pushes.find((push) => push.name === "scale" && (push.payload as ScaleView).state === "ok"),
    "the scale to run"
  )
  const packToTheScale = async () => {
    await call("session.signIn", { badge: packbenchCode("badge", "B-1001") })
    for (const raw of [packbenchCode("order", "SO-100001"), "4260123450014", "4260123450014", "4260123450038"]) {
      await call("pack.scan", { raw })
    }
    return call<PackView>("pack.chooseBox", { boxId: "M" })
  }
  return { station, call, scaleReadings, packToTheScale }
}

describe("the demo bench's simulated scale that follows the pack", () => {
  let bench: Awaited<ReturnType<typeof startWith>>
  beforeAll(async () => {
    bench = await startWith({ PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "on" })
  })
  afterAll(() => bench.station.close())

  it("shows the parcel's weight once the box is chosen, the packer takes it, and the pan empties afterwards", async () => {
    const boxed = await bench.packToTheScale()
    expect(boxed.box?.boxId).toBe("M")
    const settled = await found(
      () => bench.scaleReadings().find((reading) => reading?.stable && reading.grams > 0),
      "the parcel to settle on the pan"
    )
    expect(Math.abs(settled!.grams - boxed.expectedWeightGrams)).toBeLessThanOrEqual(boxed.toleranceGrams / 4)
    const weighed = await bench.call<PackView>("pack.weighOnScale", {})
    expect(weighed.refusal).toBeNull()
    expect(weighed.weight).toEqual({ grams: settled!.grams, source: "scale" })
    expect((await bench.call<PackView>("pack.complete", {})).step).toBe("packed")

    // The next order: the packed parcel is taken off, and the pan reads 0 g again.
    await bench.call("pack.scan", { raw: packbenchCode("order", "SO-100002") })
    await found(
      () => (bench.scaleReadings().findLast((reading) => reading !== null)?.grams === 0 ? true : undefined),
      "the pan to empty"
    )
  })
})

describe("a station whose simulated scale does not follow the pack (the default)", () => {
  it("reads 0 g with the parcel waiting to be weighed", async () => {
    const bench = await startWith({})
    try {
      const boxed = await bench.packToTheScale()
      expect(boxed.step).toBe("parcel")
      // Let the station run on for a while: nothing may put a weight on the pan by itself.
      await bench.call("station.status", {})
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(bench.scaleReadings().every((reading) => reading === null || reading.grams === 0)).toBe(true)
      expect(await bench.station.call("pack.weighOnScale", {})).toMatchObject({ ok: false })
    } finally {
      await bench.station.close()
    }
  })
})
