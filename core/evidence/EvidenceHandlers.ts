/** Answers `evidence.photo` (shown only when it hashes to the recorded SHA-256) and takes the screen's stills. */
import { Effect, Option, Result } from "effect"
import { Base64 } from "effect/encoding"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import type { ParcelData } from "../pack/ParcelRow.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { BrowserStills } from "./BrowserStills.ts"
import { type EvidenceApi, type PhotoView, RECENT_PARCELS, type RecentParcel } from "./EvidenceApi.ts"
import { EvidenceCamera } from "./EvidenceCamera.ts"
import { EvidencePhotos } from "./EvidencePhotos.ts"

export type EvidenceHandlers = {
  readonly [N in keyof EvidenceApi]: (
    input: EvidenceApi[N]["input"]["Type"]
  ) => Effect.Effect<EvidenceApi[N]["output"]["Type"], ApiError>
}

export const makeEvidenceHandlers = Effect.gen(function* () {
  const sql = yield* Sql
  const session = yield* Session
  const photos = yield* Effect.serviceOption(EvidencePhotos)
  const stills = yield* Effect.serviceOption(BrowserStills)
  const camera = yield* Effect.serviceOption(EvidenceCamera)

  const photo = Effect.fn("Evidence.photo")(function* (parcelId: string) {
    yield* session.require(["packer", "returns-clerk", "manager"]).pipe(Effect.mapError(apiErrorOf))
    const rows = yield* sql
      .query<{ data: string; packed_at_ms: number }>("SELECT data, packed_at_ms FROM parcels WHERE parcel_id = ?", [
        parcelId
      ])
      .pipe(
        Effect.mapError((error) =>
          apiErrorOf({ reason: "store-unavailable", message: `The station database failed: ${error.message}` })
        )
      )
    const recorded = rows[0] === undefined ? undefined : (JSON.parse(rows[0].data) as ParcelData).photo
    if (rows[0] === undefined || recorded === undefined) return { status: "none", parcelId } satisfies PhotoView
    if ("missing" in recorded) return { status: "missing", parcelId, reason: recorded.missing } satisfies PhotoView
    if (recorded.prunedAtMs !== undefined) {
      return { status: "pruned", parcelId, prunedAtMs: recorded.prunedAtMs } satisfies PhotoView
    }
    if (Option.isNone(photos)) return { status: "lost", parcelId } satisfies PhotoView
    const found = yield* photos.value.read(parcelId).pipe(Effect.mapError(apiErrorOf))
    if (found === undefined) return { status: "lost", parcelId } satisfies PhotoView
    if (found.sha256 !== recorded.sha256) {
      yield* Effect.logWarning(
        `evidence photo of ${parcelId} altered: recorded ${recorded.sha256}, found ${found.sha256}`
      )
      return {
        status: "altered",
        parcelId,
        recordedSha256: recorded.sha256,
        foundSha256: found.sha256
      } satisfies PhotoView
    }
    return {
      status: "shown",
      parcelId,
      sha256: recorded.sha256,
      bytes: recorded.bytes,
      cameraId: recorded.cameraId,
      packedAtMs: Number(rows[0].packed_at_ms),
      jpegBase64: Base64.encode(found.jpeg)
    } satisfies PhotoView
  })

  const recentParcels = Effect.fn("Evidence.recentParcels")(function* () {
    yield* session.require(["packer", "returns-clerk", "manager"]).pipe(Effect.mapError(apiErrorOf))
    // Newest first by insertion (rowid): the primary key's index, never a scan of every parcel.
    const rows = yield* sql
      .query<{ parcel_id: string; order_id: string; packed_at_ms: number; data: string }>(
        "SELECT parcel_id, order_id, packed_at_ms, data FROM parcels ORDER BY rowid DESC LIMIT ?",
        [RECENT_PARCELS]
      )
      .pipe(
        Effect.mapError((error) =>
          apiErrorOf({ reason: "store-unavailable", message: `The station database failed: ${error.message}` })
        )
      )
    return rows.map((row): RecentParcel => {
      const recorded = (JSON.parse(row.data) as ParcelData).photo
      return {
        parcelId: row.parcel_id,
        orderId: row.order_id,
        packedAtMs: Number(row.packed_at_ms),
        photo:
          recorded === undefined
            ? "none"
            : "missing" in recorded
              ? "missing"
              : recorded.prunedAtMs !== undefined
                ? "pruned"
                : "recorded"
      }
    })
  })

  const offerStill = Effect.fn("Evidence.offerStill")(function* (jpegBase64: string) {
    yield* session.require(["packer", "manager"]).pipe(Effect.mapError(apiErrorOf))
    if (Option.isNone(stills)) {
      return yield* apiErrorOf({ reason: "no-browser-camera", message: "This station has no browser camera set up" })
    }
    const decoded = Base64.decode(jpegBase64)
    if (Result.isFailure(decoded)) {
      return yield* apiErrorOf({ reason: "not-jpeg", message: "The still is not base64" })
    }
    yield* stills.value.offer(decoded.success).pipe(Effect.mapError(apiErrorOf))
    return { bytes: decoded.success.length }
  })

  const handlers: EvidenceHandlers = {
    "evidence.photo": (input) => photo(input.parcelId),
    "evidence.recentParcels": () => recentParcels(),
    "evidence.offerStill": (input) => offerStill(input.jpegBase64),
    "evidence.camera": () =>
      Effect.succeed({
        kind: Option.isSome(stills) ? "browser" : Option.isSome(camera) ? "device" : "none"
      } as const)
  }
  return { handlers }
})
