import { describe, expect, it } from "vitest"
import type { RefundRejected } from "./ReturnsMessages.ts"
import { refundRejectedAlert } from "./refundRejectedAlert.ts"

const rejected = (reason: RefundRejected["reason"]): RefundRejected => ({
  orderId: "SO-100001",
  lineId: "2",
  unit: 1,
  itemRef: "RET-02-R000001-01",
  returnId: "RET-02-R000001",
  reason,
  otherReturnId: "RET-01-R000001",
  otherStationId: "RET-01",
  otherStatus: "requested"
})

describe("refundRejectedAlert", () => {
  it("raises its own alert for each reason the hub gives, naming the unit and the return that holds it", () => {
    const alerts = (["duplicate-unit", "duplicate-unit-renumbered", "paid-amount-exceeded"] as const).map((reason) =>
      refundRejectedAlert(rejected(reason))
    )
    expect(alerts.map((alert) => alert.code)).toEqual([
      "refund-rejected-duplicate",
      "refund-rejected-renumbered",
      "refund-rejected-over-paid"
    ])
    for (const alert of alerts) {
      expect(alert.message).toContain("RET-02-R000001-01")
      expect(alert.message).toContain("RET-01-R000001 on RET-01")
    }
    expect(alerts[1]!.message).toContain("numbered them anew")
  })
})
