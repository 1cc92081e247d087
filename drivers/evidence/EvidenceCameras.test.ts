import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import jpeg from "jpeg-js"
import { describe, expect, it } from "vitest"
import { makeFileEvidencePhotos } from "./FileEvidencePhotos.ts"
import { makeRecordedCamera } from "./RecordedCamera.ts"
import { drawTestFrame } from "./testFrame.ts"
import { makeV4l2Camera } from "./V4l2Camera.ts"

const dir = () => mkdtempSync(join(tmpdir(), "pb-camera-"))

const failureOf = async <A, E>(effect: Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.exit(effect))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons[0]
  if (error?._tag !== "Fail") throw new Error(String(exit.cause))
  return error.error
}

describe("recorded camera", () => {
  it("plays its JPEG frames in name order, cycling", async () => {
    const frames = dir()
    writeFileSync(join(frames, "b.jpg"), drawTestFrame(2))
    writeFileSync(join(frames, "a.jpg"), drawTestFrame(1))
    writeFileSync(join(frames, "notes.txt"), "not a frame")
    const camera = makeRecordedCamera("sim-cam", frames)
    const taken = await Effect.runPromise(Effect.all([camera.capture, camera.capture, camera.capture]))
    expect(taken[0]).toEqual(new Uint8Array(readFileSync(join(frames, "a.jpg"))))
    expect(taken[1]).toEqual(new Uint8Array(readFileSync(join(frames, "b.jpg"))))
    expect(taken[2]).toEqual(taken[0])
    expect(jpeg.decode(taken[0]!).width).toBe(320)
  })

  it("fails with a reason when it has no frames or a frame is not a JPEG", async () => {
    const frames = dir()
    expect(await failureOf(makeRecordedCamera("sim-cam", frames).capture)).toMatchObject({ reason: "no-frames" })
    expect(await failureOf(makeRecordedCamera("sim-cam", join(frames, "gone")).capture)).toMatchObject({
      reason: "no-frames"
    })
    writeFileSync(join(frames, "a.jpg"), "GIF89a")
    expect(await failureOf(makeRecordedCamera("sim-cam", frames).capture)).toMatchObject({ reason: "not-jpeg" })
  })
})

describe("v4l2 camera", () => {
  it("says the device is missing when it does not exist", async () => {
    const error = await failureOf(makeV4l2Camera({ cameraId: "bench-cam", device: "/dev/video977" }).capture)
    expect(error).toMatchObject({ _tag: "CameraError", reason: "device-missing" })
    expect(error.message).toContain("/dev/video977 of camera bench-cam does not exist")
  })
})

describe("file evidence photos", () => {
  it("stages a still, puts it in place under the parcel's id and reads it back with its hash", async () => {
    const dataDir = dir()
    const photos = makeFileEvidencePhotos(dataDir)
    const still = drawTestFrame(3)
    const staged = await Effect.runPromise(photos.stage(still))
    const expected = createHash("sha256").update(still).digest("hex")
    expect(staged).toMatchObject({ sha256: expected, bytes: still.length })
    expect(staged.token.startsWith(`${expected}-`)).toBe(true)
    expect(readdirSync(join(dataDir, "photos", "staged"))).toEqual([`${staged.token}.jpg`])
    expect(await Effect.runPromise(photos.leftovers)).toEqual([
      { token: staged.token, sha256: expected, stagedAtMs: expect.any(Number) }
    ])
    await Effect.runPromise(photos.place(staged.token, "PACK-01-000001"))
    expect(readdirSync(join(dataDir, "photos")).sort()).toEqual(["PACK-01-000001.jpg", "staged"])
    expect(await Effect.runPromise(photos.leftovers)).toEqual([])
    expect(await Effect.runPromise(photos.read("PACK-01-000001"))).toEqual({ jpeg: still, sha256: expected })
    await Effect.runPromise(photos.remove("PACK-01-000001"))
    await Effect.runPromise(photos.remove("PACK-01-000001"))
    expect(await Effect.runPromise(photos.read("PACK-01-000001"))).toBeUndefined()
  })

  it("stages the same bytes twice as two stills, and discards one without touching the other", async () => {
    const photos = makeFileEvidencePhotos(dir())
    const still = drawTestFrame(1)
    const [first, second] = await Effect.runPromise(Effect.all([photos.stage(still), photos.stage(still)]))
    expect(first!.token).not.toBe(second!.token)
    await Effect.runPromise(photos.discard(first!.token))
    await Effect.runPromise(photos.discard(first!.token))
    expect((await Effect.runPromise(photos.leftovers)).map((leftover) => leftover.token)).toEqual([second!.token])
  })

  it("refuses a parcel id or a token that would leave the photo directory", async () => {
    const photos = makeFileEvidencePhotos(dir())
    const staged = await Effect.runPromise(photos.stage(drawTestFrame(1)))
    for (const id of ["../secret", "a/b", "", ".hidden"]) {
      expect(await failureOf(photos.read(id))).toMatchObject({ reason: "bad-parcel-id" })
      expect(await failureOf(photos.place(staged.token, id))).toMatchObject({ reason: "bad-parcel-id" })
      expect(await failureOf(photos.place(id, "PACK-01-000001"))).toMatchObject({ reason: "bad-token" })
      expect(await failureOf(photos.discard(`../${id}`))).toMatchObject({ reason: "bad-token" })
    }
  })
})
