/** Keeps evidence photos as `<dataDir>/photos/<parcelId>.jpg`, written atomically, read back with their SHA-256. */
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, unlinkSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { MAX_PHOTO_BYTES } from "../../core/evidence/EvidenceCamera.ts"
import { EvidencePhotos, PhotoStoreError } from "../../core/evidence/EvidencePhotos.ts"
import { openAtomicFile } from "../fs/writeFileAtomic.ts"

/** A parcel id as the station makes them (`PACK-01-000001`); anything else never becomes part of a path. */
const SAFE_PARCEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

export const photosDirectory = (dataDir: string) => join(dataDir, "photos")

export const makeFileEvidencePhotos = (dataDir: string): EvidencePhotos["Service"] => {
  const directory = photosDirectory(dataDir)
  const pathOf = (parcelId: string) =>
    SAFE_PARCEL_ID.test(parcelId)
      ? Effect.succeed(join(directory, `${parcelId}.jpg`))
      : Effect.fail(new PhotoStoreError({ reason: "bad-parcel-id", message: "Not a parcel id" }))
  return {
    save: (parcelId, jpeg) =>
      Effect.flatMap(pathOf(parcelId), (path) =>
        Effect.try({
          try: () => {
            mkdirSync(directory, { recursive: true })
            const file = openAtomicFile(path, 0o600)
            try {
              file.write(jpeg)
              file.commit()
            } catch (error) {
              file.abandon()
              throw error
            }
            return { sha256: sha256(jpeg), bytes: jpeg.length }
          },
          catch: (error) =>
            new PhotoStoreError({
              reason: "write-failed",
              message: `Cannot write ${path}: ${(error as Error).message}`
            })
        })
      ),
    read: (parcelId) =>
      Effect.flatMap(pathOf(parcelId), (path) =>
        Effect.try({
          try: () => {
            let jpeg: Uint8Array
            try {
              jpeg = new Uint8Array(readFileSync(path))
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
              throw error
            }
            if (jpeg.length > MAX_PHOTO_BYTES) throw new Error(`larger than ${MAX_PHOTO_BYTES} bytes`)
            return { jpeg, sha256: sha256(jpeg) }
          },
          catch: (error) =>
            new PhotoStoreError({ reason: "read-failed", message: `Cannot read ${path}: ${(error as Error).message}` })
        })
      ),
    remove: (parcelId) =>
      Effect.flatMap(pathOf(parcelId), (path) =>
        Effect.try({
          try: () => {
            try {
              unlinkSync(path)
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
            }
          },
          catch: (error) =>
            new PhotoStoreError({
              reason: "delete-failed",
              message: `Cannot delete ${path}: ${(error as Error).message}`
            })
        })
      )
  }
}

export const fileEvidencePhotosLayer = (dataDir: string) =>
  Layer.succeed(EvidencePhotos, EvidencePhotos.of(makeFileEvidencePhotos(dataDir)))
