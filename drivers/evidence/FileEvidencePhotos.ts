/** Keeps evidence photos as `<dataDir>/photos/<parcelId>.jpg`, staged before the parcel exists, read back hashed. */
import { createHash, randomUUID } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { MAX_PHOTO_BYTES } from "../../core/evidence/EvidenceCamera.ts"
import { EvidencePhotos, PhotoStoreError } from "../../core/evidence/EvidencePhotos.ts"
import { fsyncDirectory, writeFileAtomic } from "../fs/writeFileAtomic.ts"

/** A parcel id as the station makes them (`PACK-01-000001`); anything else never becomes part of a path. */
const SAFE_PARCEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
/** A staged still's token: its SHA-256 and a UUID, so two parcels showing the same bytes never share a file. */
const TOKEN = /^([0-9a-f]{64})-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

export const photosDirectory = (dataDir: string) => join(dataDir, "photos")

const failure = (reason: PhotoStoreError["reason"], what: string) => (error: unknown) =>
  new PhotoStoreError({ reason, message: `${what}: ${(error as Error).message}` })

const unlinkIfThere = (path: string) => {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
  }
}

export const makeFileEvidencePhotos = (dataDir: string): EvidencePhotos["Service"] => {
  const directory = photosDirectory(dataDir)
  const stagedDirectory = join(directory, "staged")
  const pathOf = (parcelId: string) =>
    SAFE_PARCEL_ID.test(parcelId)
      ? Effect.succeed(join(directory, `${parcelId}.jpg`))
      : Effect.fail(new PhotoStoreError({ reason: "bad-parcel-id", message: "Not a parcel id" }))
  const stagedPathOf = (token: string) =>
    TOKEN.test(token)
      ? Effect.succeed(join(stagedDirectory, `${token}.jpg`))
      : Effect.fail(new PhotoStoreError({ reason: "bad-token", message: "Not a staged photo's token" }))
  return {
    stage: (jpeg) =>
      Effect.try({
        try: () => {
          const hash = sha256(jpeg)
          const token = `${hash}-${randomUUID()}`
          mkdirSync(stagedDirectory, { recursive: true })
          writeFileAtomic(join(stagedDirectory, `${token}.jpg`), jpeg, 0o600)
          return { token, sha256: hash, bytes: jpeg.length }
        },
        catch: failure("write-failed", `Cannot stage a photo in ${stagedDirectory}`)
      }),
    place: (token, parcelId) =>
      Effect.flatMap(Effect.all([stagedPathOf(token), pathOf(parcelId)]), ([staged, path]) =>
        Effect.try({
          try: () => {
            renameSync(staged, path)
            fsyncDirectory(path)
          },
          catch: failure("write-failed", `Cannot move ${staged} to ${path}`)
        })
      ),
    discard: (token) =>
      Effect.flatMap(stagedPathOf(token), (staged) =>
        Effect.try({ try: () => unlinkIfThere(staged), catch: failure("delete-failed", `Cannot delete ${staged}`) })
      ),
    leftovers: Effect.try({
      try: () => {
        let names: Array<string>
        try {
          names = readdirSync(stagedDirectory)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
          throw error
        }
        return names.flatMap((name) => {
          const token = name.endsWith(".jpg") ? name.slice(0, -4) : undefined
          const match = token === undefined ? null : TOKEN.exec(token)
          if (token === undefined || match === null) return []
          const stagedAtMs = statSync(join(stagedDirectory, name), { throwIfNoEntry: false })?.mtimeMs
          return stagedAtMs === undefined ? [] : [{ token, sha256: match[1]!, stagedAtMs: Math.floor(stagedAtMs) }]
        })
      },
      catch: failure("read-failed", `Cannot list ${stagedDirectory}`)
    }),
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
          catch: failure("read-failed", `Cannot read ${path}`)
        })
      ),
    remove: (parcelId) =>
      Effect.flatMap(pathOf(parcelId), (path) =>
        Effect.try({ try: () => unlinkIfThere(path), catch: failure("delete-failed", `Cannot delete ${path}`) })
      )
  }
}

export const fileEvidencePhotosLayer = (dataDir: string) =>
  Layer.succeed(EvidencePhotos, EvidencePhotos.of(makeFileEvidencePhotos(dataDir)))
