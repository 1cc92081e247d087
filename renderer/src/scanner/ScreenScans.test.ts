import { describe, expect, it } from "vitest"
import type { ScanOutcome } from "../../../core/api/StationApi.ts"
import { noScans, scanOn, withOutcome, withScan } from "./ScreenScans.ts"

const outcome = (fields: Partial<ScanOutcome>): ScanOutcome => ({
  raw: "x",
  source: "wedge",
  deviceId: "wedge",
  at: { wallMs: 0, monoNs: "1" },
  identification: {},
  action: "identified",
  message: "",
  ...fields
})

describe("ScreenScans", () => {
  it("shows the Pack screen's last scan on the Pack screen only, not on Handover", () => {
    const packed = withOutcome(noScans, outcome({ raw: "SO-100001", action: "pack:order-opened" }), "pack")
    expect(scanOn(packed, "pack")).toMatchObject({ state: "done", outcome: { raw: "SO-100001" } })
    expect(scanOn(packed, "handover")).toBeUndefined()
    const handed = withOutcome(
      packed,
      outcome({ raw: "JJD1", action: "handover:scanned", at: { wallMs: 1, monoNs: "2" } }),
      "handover"
    )
    expect(scanOn(handed, "handover")).toMatchObject({ outcome: { raw: "JJD1" } })
    expect(scanOn(handed, "pack")).toMatchObject({ outcome: { raw: "SO-100001" } })
    expect(handed.latest).toMatchObject({ outcome: { raw: "JJD1" } })
  })

  it("files a pushed scan under the flow its action names, else under the screen that was up", () => {
    const routed = withOutcome(noScans, outcome({ action: "returns:item-added" }), "pack")
    expect(scanOn(routed, "returns")).toBeDefined()
    expect(scanOn(routed, "pack")).toBeUndefined()
    const refused = withOutcome(noScans, outcome({ action: "refused" }), "handover")
    expect(scanOn(refused, "handover")).toBeDefined()
    expect(scanOn(refused, "pack")).toBeUndefined()
  })

  it("counts a scan's answer after its push (or its push after its answer) as the same scan", () => {
    const scan = outcome({ raw: "4260123450014", action: "pack:line-verified" })
    const once = withOutcome(noScans, scan, "pack")
    expect(withOutcome(once, scan, "pack")).toBe(once)
    const again = withOutcome(once, { ...scan, at: { wallMs: 5, monoNs: "9" } }, "pack")
    expect(again).not.toBe(once)
    expect(scanOn(again, "pack")?.id).toBeGreaterThan(scanOn(once, "pack")?.id ?? Number.POSITIVE_INFINITY)
  })

  it("keeps a scan sent from a screen, pending or failed, on that screen", () => {
    const pending = withScan(noScans, "handover", (id) => ({ state: "pending", id, raw: "JJD1" }))
    expect(scanOn(pending, "handover")).toMatchObject({ state: "pending", raw: "JJD1" })
    expect(scanOn(pending, "pack")).toBeUndefined()
    expect(pending.latest).toBe(scanOn(pending, "handover"))
  })
})
