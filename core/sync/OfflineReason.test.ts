import { describe, expect, it } from "vitest"
import { maxOfflineReasonChars, offlineReasonOf } from "./OfflineReason.ts"
import { presenceWill } from "./Presence.ts"
import { decodeJson } from "./Topics.ts"

describe("offlineReasonOf", () => {
  it("reads the reasons stations send, this release's and the previous one's alike, as codes", () => {
    // What the station's last will says (and said in the previous release), and a clean stop, which says none.
    const will = decodeJson(presenceWill({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" }, 0).payload)
    const willReason = will.ok ? (will.value as { reason?: string }).reason : "unreadable"
    expect(offlineReasonOf(willReason)).toEqual({ code: "connection-lost" })
    expect(offlineReasonOf(undefined)).toEqual({ code: "stopped" })
  })

  it("keeps any other reason as the station's text, one line and cut short, under a code of its own", () => {
    expect(offlineReasonOf("shutting down for update")).toEqual({
      code: "unrecognised",
      detail: "shutting down for update"
    })
    // Only the exact words are the known reason: anything else is another station's text.
    expect(offlineReasonOf("Connection lost")).toEqual({ code: "unrecognised", detail: "Connection lost" })
    expect(offlineReasonOf("gone\r\n2026-12-05 ERROR forged\u202Eline\u0000")).toEqual({
      code: "unrecognised",
      detail: "gone 2026-12-05 ERROR forged line"
    })
    const long = offlineReasonOf(`<b>gone</b> ${"y".repeat(5_000)}`).detail ?? ""
    expect(long).toHaveLength(maxOfflineReasonChars)
    expect(long).toBe(`<b>gone</b> ${"y".repeat(maxOfflineReasonChars - 13)}…`)
    // Nothing left to show: the neutral sentence stands alone.
    expect(offlineReasonOf(" \n\t")).toEqual({ code: "unrecognised" })
    expect(offlineReasonOf("")).toEqual({ code: "unrecognised" })
  })
})
