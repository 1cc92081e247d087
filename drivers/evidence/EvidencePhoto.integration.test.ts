import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PackView, PhotoView, RecentParcel } from "../../core/api/StationApi.ts"
import { packbenchCode } from "../../fixtures/packbenchCode.ts"
import { loadConfig } from "../station/loadConfig.ts"
import { type RunningStation, startStation } from "../station/Station.ts"
import { drawTestFrame } from "./testFrame.ts"

describe("a station with a recorded evidence camera", () => {
  let station: RunningStation
  let frames: string
  const call = async <A>(name: string, input: unknown): Promise<A> => {
    const result = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
    return result.value as A
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-evidence-station-"))
    frames = join(dir, "frames")
    mkdirSync(frames)
    writeFileSync(join(frames, "frame-1.jpg"), drawTestFrame(7))
    writeFileSync(
      join(dir, "packbench.config.json"),
      JSON.stringify({
        cameras: [{ type: "recorded", id: "bench-cam", path: frames }],
        hub: { embedded: false }
      })
    )
    const config = loadConfig({
      cwd: dir,
      env: { PACKBENCH_DATA_DIR: join(dir, "data"), PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: () => {} })
  })
  afterAll(() => station.close())

  it("keeps the still taken at packed beside the parcel with the SHA-256 its parcel.packed records", async () => {
    expect(await station.call("evidence.photo", { parcelId: "PACK-01-000001" })).toMatchObject({
      ok: false,
      error: { code: "not-signed-in" }
    })
    await call("session.signIn", { badge: packbenchCode("badge", "B-1001") })
    for (const raw of [packbenchCode("order", "SO-100001"), "4260123450014", "4260123450014", "4260123450038"]) {
      await call("pack.scan", { raw })
    }
    await call("pack.chooseBox", { boxId: "S" })
    await call("pack.weight", { grams: 872, source: "typed" })
    const packedView = await call<PackView>("pack.complete", {})
    expect(packedView.step).toBe("packed")

    const database = new Database(join(station.config.dataDir, "station.db"), { readonly: true })
    const row = database.prepare("SELECT payload FROM events WHERE type = 'parcel.packed'").get() as { payload: string }
    database.close()
    const payload = JSON.parse(row.payload) as { parcelId: string; photo: { sha256: string; bytes: number } }
    const file = readFileSync(join(station.config.dataDir, "photos", `${payload.parcelId}.jpg`))
    expect(payload.photo).toEqual({
      sha256: createHash("sha256").update(file).digest("hex"),
      bytes: file.length,
      cameraId: "bench-cam"
    })
    expect(new Uint8Array(file)).toEqual(new Uint8Array(readFileSync(join(frames, "frame-1.jpg"))))

    const shown = await call<PhotoView>("evidence.photo", { parcelId: payload.parcelId })
    expect(shown).toMatchObject({ status: "shown", sha256: payload.photo.sha256, cameraId: "bench-cam" })
    expect(shown.status === "shown" && Buffer.from(shown.jpegBase64, "base64").equals(file)).toBe(true)

    // One byte changed on disk: the station no longer shows it as evidence.
    const altered = Buffer.from(file)
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 0xff
    writeFileSync(join(station.config.dataDir, "photos", `${payload.parcelId}.jpg`), altered)
    expect(await call<PhotoView>("evidence.photo", { parcelId: payload.parcelId })).toEqual({
      status: "altered",
      parcelId: payload.parcelId,
      recordedSha256: payload.photo.sha256,
      foundSha256: createHash("sha256").update(altered).digest("hex")
    })
    expect(await call<PhotoView>("evidence.photo", { parcelId: "PACK-99-999999" })).toEqual({
      status: "none",
      parcelId: "PACK-99-999999"
    })
    // Nothing of the still is left staged once its parcel is packed.
    expect(readdirSync(join(station.config.dataDir, "photos", "staged"))).toEqual([])
    expect(await call<ReadonlyArray<RecentParcel>>("evidence.recentParcels", {})).toEqual([
      { parcelId: payload.parcelId, orderId: "SO-100001", packedAtMs: expect.any(Number), photo: "recorded" }
    ])
  })
})

describe("a station with a browser evidence camera", () => {
  let station: RunningStation
  const call = async <A>(name: string, input: unknown): Promise<A> => {
    const result = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
    return result.value as A
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-evidence-browser-"))
    writeFileSync(
      join(dir, "packbench.config.json"),
      JSON.stringify({ cameras: [{ type: "browser", id: "screen-cam" }], hub: { embedded: false } })
    )
    const config = loadConfig({
      cwd: dir,
      env: { PACKBENCH_DATA_DIR: join(dir, "data"), PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: () => {} })
  })
  afterAll(() => station.close())

  it("keeps the still the screen sent before completing, and refuses what is not a JPEG", async () => {
    const still = drawTestFrame(4)
    expect(
      await station.call("evidence.offerStill", { jpegBase64: Buffer.from(still).toString("base64") })
    ).toMatchObject({ ok: false, error: { code: "not-signed-in" } })
    await call("session.signIn", { badge: packbenchCode("badge", "B-1001") })
    expect(
      await station.call("evidence.offerStill", { jpegBase64: Buffer.from("GIF89a-not-a-jpeg").toString("base64") })
    ).toMatchObject({ ok: false, error: { code: "not-jpeg" } })
    expect(await station.call("evidence.offerStill", { jpegBase64: "A".repeat(1_000_000) })).toMatchObject({
      ok: false
    })
    for (const raw of [packbenchCode("order", "SO-100001"), "4260123450014", "4260123450014", "4260123450038"]) {
      await call("pack.scan", { raw })
    }
    await call("pack.chooseBox", { boxId: "S" })
    await call("pack.weight", { grams: 872, source: "typed" })
    expect(await call("evidence.offerStill", { jpegBase64: Buffer.from(still).toString("base64") })).toEqual({
      bytes: still.length
    })
    expect((await call<PackView>("pack.complete", {})).step).toBe("packed")
    const database = new Database(join(station.config.dataDir, "station.db"), { readonly: true })
    const row = database.prepare("SELECT payload FROM events WHERE type = 'parcel.packed'").get() as { payload: string }
    database.close()
    const payload = JSON.parse(row.payload) as { parcelId: string; photo: unknown }
    expect(payload.photo).toEqual({
      sha256: createHash("sha256").update(still).digest("hex"),
      bytes: still.length,
      cameraId: "screen-cam"
    })
    expect(new Uint8Array(readFileSync(join(station.config.dataDir, "photos", `${payload.parcelId}.jpg`)))).toEqual(
      still
    )
  })
})
