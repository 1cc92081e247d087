/** The station's site and station ids: from config, else from identity.json, else generated once. */
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { decodeStrict, describeProblems } from "../../core/decode/DecodeProblem.ts"
import { StationCode } from "../../core/station/StationIdentity.ts"
import { writeFileAtomic } from "../fs/writeFileAtomic.ts"

const IdentityFile = Schema.Struct({ siteId: StationCode, stationId: StationCode })

/** Crockford-style alphabet: no I, L, O or U, so an id read aloud or typed from a label is not mistaken. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const randomCode = (length: number) => [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join("")

/** The ids `identity.json` holds, undefined when there is none; one that is not valid is named, with what to do. */
export const readIdentityFile = (file: string): { readonly siteId: string; readonly stationId: string } | undefined => {
  if (!existsSync(file)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix or delete it to generate new ids`)
  }
  const decoded = Effect.runSync(Effect.result(decodeStrict(IdentityFile)(raw)))
  if (decoded._tag === "Failure") {
    throw new Error(`${file} is not a station identity:\n${describeProblems(decoded.failure)}`)
  }
  return decoded.success
}

/**
 * The station's site and station ids: from config when set, else from `identity.json` in the data dir, else
 * generated on first start and written there, so they stay the same across restarts and upgrades.
 */
export const loadOrCreateIdentity = (
  dataDir: string,
  configured: { readonly siteId?: string; readonly stationId?: string }
): { readonly siteId: string; readonly stationId: string } => {
  const file = join(dataDir, "identity.json")
  let stored = readIdentityFile(file)
  if (stored === undefined) {
    stored = { siteId: `SITE-${randomCode(4)}`, stationId: `PB-${randomCode(6)}` }
    writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`)
  }
  return { siteId: configured.siteId ?? stored.siteId, stationId: configured.stationId ?? stored.stationId }
}
