/** The bounded excerpt of a payload that quarantine records keep, with its hash and length. */
import { Bounds } from "./Bounds.ts"
import { sha256Hex } from "./Sha256.ts"
import { decodeUtf8 } from "./Utf8.ts"

/** What a quarantine keeps of a payload: its start, and enough to recognise the whole. */
export interface PayloadExcerpt {
  /** At most `Bounds.maxQuarantineBytes` of it: UTF-8 text cut at a character, or `hex:` for bytes that are not text. */
  readonly text: string
  readonly sha256: string
  readonly bytes: number
  readonly truncated: boolean
}

/**
 * The start of a payload for a quarantine record, so a flood of large payloads costs each record 4 KB, not the
 * payload's size, while the SHA-256 and the length still identify the original.
 */
export const payloadExcerpt = (payload: Uint8Array, maxBytes: number = Bounds.maxQuarantineBytes): PayloadExcerpt => {
  const truncated = payload.length > maxBytes
  const sha256 = sha256Hex(payload)
  let end = Math.min(payload.length, maxBytes)
  // Back off to the start of a character so a cut multi-byte sequence does not make the start look like binary.
  if (truncated) while (end > 0 && ((payload[end] ?? 0) & 0xc0) === 0x80) end--
  const decoded = decodeUtf8(payload.subarray(0, end))
  const text =
    "text" in decoded
      ? decoded.text
      : `hex:${Array.from(payload.subarray(0, Math.floor((maxBytes - 4) / 2)), (byte) => byte.toString(16).padStart(2, "0")).join("")}`
  return { text, sha256, bytes: payload.length, truncated }
}
