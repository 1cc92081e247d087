import { describe, expect, it } from "vitest"
import type { NotificationKind } from "./NotificationKind.ts"
import {
  dueTimedIntents,
  expectedDelivery,
  intentsForStationFact,
  intentsForTrackingChange,
  mayNotify,
  type ParcelProgress,
  refundSubject,
  sendWindow,
  settleDelayMs
} from "./NotificationRules.ts"
import { defaultNotifySettings as settings } from "./NotifySettings.ts"

const sendsAll = { orderConfirmations: true, cancellationNotice: true }

const hour = 3_600_000
// Tuesday 24 November 2026, 10:00 in Berlin (CET, UTC+1).
const tuesday10Berlin = Date.UTC(2026, 10, 24, 9, 0)

const parcel = (overrides: Partial<ParcelProgress> = {}): ParcelProgress => ({
  orderId: "SO-1",
  parcelId: "P-1",
  status: "in-transit",
  handedAtMs: tuesday10Berlin,
  expectedDeliveryByMs: tuesday10Berlin + 3 * 24 * hour,
  lastScanAtMs: tuesday10Berlin + hour,
  deliveredAtMs: undefined,
  notified: new Set<NotificationKind>(),
  otherParcels: [],
  ...overrides
})

describe("station facts", () => {
  it("confirms an order, announces packing and the handover, asks for an address fix", () => {
    expect(intentsForStationFact({ type: "order.received", orderId: "SO-1" }, sendsAll)).toEqual([
      { kind: "order-confirmed", subjectId: "SO-1", orderId: "SO-1" }
    ])
    expect(intentsForStationFact({ type: "parcel.packed", orderId: "SO-1", parcelId: "P-1" }, sendsAll)).toEqual([
      { kind: "packed", subjectId: "P-1", orderId: "SO-1", parcelId: "P-1" }
    ])
    expect(
      intentsForStationFact({ type: "parcel.handed-to-carrier", orderId: "SO-1", parcelId: "P-1" }, sendsAll)
    ).toEqual([{ kind: "shipped", subjectId: "P-1", orderId: "SO-1", parcelId: "P-1" }])
    expect(intentsForStationFact({ type: "order.address-hold", orderId: "SO-1", round: 1 }, sendsAll)).toEqual([
      { kind: "address-correction", subjectId: "SO-1", orderId: "SO-1" }
    ])
    // A hold after a correction is a new request: its own subject, so its own mail and link.
    expect(intentsForStationFact({ type: "order.address-hold", orderId: "SO-1", round: 2 }, sendsAll)).toEqual([
      { kind: "address-correction", subjectId: "SO-1/hold-2", orderId: "SO-1" }
    ])
  })

  it("leaves order confirmations to the shop and cancellation notices unsent unless switched on", () => {
    expect(settings.orderConfirmations).toBe(false)
    expect(settings.cancellationNotice).toBe(false)
    expect(intentsForStationFact({ type: "order.received", orderId: "SO-1" }, settings)).toEqual([])
    expect(intentsForStationFact({ type: "order.cancelled", orderId: "SO-1" }, settings)).toEqual([])
    expect(intentsForStationFact({ type: "order.cancelled", orderId: "SO-1" }, sendsAll)).toEqual([
      { kind: "order-cancelled", subjectId: "SO-1", orderId: "SO-1" }
    ])
    // The address correction is asked for whatever the switches say: only the customer can give it.
    expect(intentsForStationFact({ type: "order.address-hold", orderId: "SO-1", round: 1 }, settings)).toHaveLength(1)
  })

  it("keys a re-received order on the order, so a new order version cannot confirm twice", () => {
    const first = intentsForStationFact({ type: "order.received", orderId: "SO-1" }, sendsAll)
    const second = intentsForStationFact({ type: "order.received", orderId: "SO-1" }, sendsAll)
    expect(second.map((intent) => [intent.kind, intent.subjectId])).toEqual(
      first.map((intent) => [intent.kind, intent.subjectId])
    )
  })
})

describe("returns", () => {
  it("tells the customer of each return of an order once, keyed on the return", () => {
    const first = intentsForStationFact(
      { type: "return.received", orderId: "SO-1", returnRef: "HAM1/PACK-01-R000001" },
      sendsAll
    )
    const second = intentsForStationFact(
      {
        type: "return.received",
        orderId: "SO-1",
        returnRef: "HAM1/PACK-02-R000001"
      },
      sendsAll
    )
    expect(first).toEqual([{ kind: "return-received", subjectId: "HAM1/PACK-01-R000001", orderId: "SO-1" }])
    expect(second[0]?.subjectId).not.toBe(first[0]?.subjectId)
    // A replayed event is the same return: the same (kind, subject), which the hub stores once.
    expect(
      intentsForStationFact({ type: "return.received", orderId: "SO-1", returnRef: "HAM1/PACK-01-R000001" }, sendsAll)
    ).toEqual(first)
  })

  it("sends one refund mail per shop refund of an order, however many units it paid", () => {
    const unit = (shopRefundId: string) =>
      intentsForStationFact({ type: "return.refund-issued", orderId: "SO-1", shopRefundId }, sendsAll)
    expect(unit("RF-1")).toEqual([{ kind: "refund-issued", subjectId: refundSubject("SO-1", "RF-1"), orderId: "SO-1" }])
    expect(unit("RF-1")).toEqual(unit("RF-1"))
    expect(unit("RF-2")[0]?.subjectId).not.toBe(unit("RF-1")[0]?.subjectId)
    expect(
      intentsForStationFact({ type: "return.refund-issued", orderId: "SO-2", shopRefundId: "RF-1" }, sendsAll)[0]
        ?.subjectId
    ).not.toBe(unit("RF-1")[0]?.subjectId)
  })

  it("holds a refund mail back for its sibling units, nothing else", () => {
    expect(settleDelayMs("refund-issued", settings)).toBe(settings.refundSettleMs)
    expect(settleDelayMs("return-received", settings)).toBe(0)
    expect(settleDelayMs("shipped", settings)).toBe(0)
  })
})

describe("tracking changes", () => {
  const ref = { orderId: "SO-1", parcelId: "P-1" }
  it("announces out for delivery and delivered, each on the change only", () => {
    expect(intentsForTrackingChange(ref, "in-transit", "out-for-delivery").map((i) => i.kind)).toEqual([
      "out-for-delivery"
    ])
    expect(intentsForTrackingChange(ref, "out-for-delivery", "delivered").map((i) => i.kind)).toEqual(["delivered"])
    expect(intentsForTrackingChange(ref, "delivered", "delivered")).toEqual([])
    expect(intentsForTrackingChange(ref, "info-received", "in-transit")).toEqual([])
  })

  it("turns a carrier exception into a delay alert", () => {
    expect(intentsForTrackingChange(ref, "in-transit", "exception")).toEqual([
      { kind: "delay-alert", subjectId: "P-1", orderId: "SO-1", parcelId: "P-1", delayReason: "carrier-exception" }
    ])
  })
})

describe("timed notifications", () => {
  it("alerts once the promised day has passed without delivery", () => {
    const progress = parcel({ lastScanAtMs: tuesday10Berlin + 2 * 24 * hour })
    expect(dueTimedIntents(progress, progress.expectedDeliveryByMs! - 1, settings)).toEqual([])
    expect(dueTimedIntents(progress, progress.expectedDeliveryByMs! + 1, settings)).toEqual([
      { kind: "delay-alert", subjectId: "P-1", orderId: "SO-1", parcelId: "P-1", delayReason: "expected-date-passed" }
    ])
  })

  it("alerts when the carrier has been silent for the configured hours", () => {
    const progress = parcel({ expectedDeliveryByMs: tuesday10Berlin + 30 * 24 * hour })
    const silentSince = progress.lastScanAtMs!
    expect(dueTimedIntents(progress, silentSince + settings.noScanAlertMs - 1, settings)).toEqual([])
    expect(dueTimedIntents(progress, silentSince + settings.noScanAlertMs, settings)[0]?.delayReason).toBe(
      "no-carrier-scan"
    )
  })

  it("sends one delay alert per parcel, and none once it is delivered", () => {
    const late = tuesday10Berlin + 10 * 24 * hour
    expect(dueTimedIntents(parcel({ notified: new Set(["delay-alert"]) }), late, settings)).toEqual([])
    expect(
      dueTimedIntents(parcel({ status: "delivered", deliveredAtMs: late - hour }), late, settings).map((i) => i.kind)
    ).not.toContain("delay-alert")
  })

  it("asks for feedback only after the delay following a delivered scan", () => {
    const deliveredAt = tuesday10Berlin + 2 * 24 * hour
    const delivered = parcel({ status: "delivered", deliveredAtMs: deliveredAt })
    expect(dueTimedIntents(delivered, deliveredAt + settings.feedbackDelayMs - 1, settings)).toEqual([])
    expect(dueTimedIntents(delivered, deliveredAt + settings.feedbackDelayMs, settings)).toEqual([
      { kind: "feedback-request", subjectId: "SO-1", orderId: "SO-1", parcelId: "P-1" }
    ])
  })

  it("never asks for feedback before delivery, however long the parcel has been away", () => {
    for (const status of ["in-transit", "out-for-delivery", "exception", "attempted-delivery", undefined] as const) {
      const intents = dueTimedIntents(parcel({ status }), tuesday10Berlin + 60 * 24 * hour, settings)
      expect(intents.map((i) => i.kind)).not.toContain("feedback-request")
    }
    // A delivered status without a delivered time (never recorded) is not enough either.
    expect(dueTimedIntents(parcel({ status: "delivered" }), tuesday10Berlin + 60 * 24 * hour, settings)).toEqual([])
  })

  it("asks for feedback on an order of several parcels the delay after the last delivery, not while one is to come", () => {
    const firstAt = tuesday10Berlin
    const lastAt = tuesday10Berlin + 5 * 24 * hour
    const delivered = { status: "delivered", deliveredAtMs: firstAt } as const
    const late = lastAt + 60 * 24 * hour
    const due = (otherParcels: ParcelProgress["otherParcels"], at: number) =>
      dueTimedIntents(parcel({ ...delivered, otherParcels }), at, settings).map((i) => i.kind)
    for (const status of [undefined, "in-transit", "out-for-delivery", "exception", "attempted-delivery"] as const) {
      expect(due([{ status, deliveredAtMs: undefined }], late)).toEqual([])
    }
    const second = [{ status: "delivered", deliveredAtMs: lastAt }] as const
    expect(due(second, lastAt + settings.feedbackDelayMs - 1)).toEqual([])
    expect(due(second, lastAt + settings.feedbackDelayMs)).toEqual(["feedback-request"])
    for (const status of ["returned-to-sender", "expired"] as const) {
      expect(due([{ status, deliveredAtMs: undefined }], firstAt + settings.feedbackDelayMs)).toEqual([
        "feedback-request"
      ])
    }
  })

  it("never asks for feedback twice", () => {
    const delivered = parcel({
      status: "delivered",
      deliveredAtMs: tuesday10Berlin,
      notified: new Set(["feedback-request"])
    })
    expect(dueTimedIntents(delivered, tuesday10Berlin + 30 * 24 * hour, settings)).toEqual([])
  })

  it("stays quiet for parcels returned to the sender or not yet handed over", () => {
    const late = tuesday10Berlin + 30 * 24 * hour
    expect(dueTimedIntents(parcel({ status: "returned-to-sender" }), late, settings)).toEqual([])
    expect(dueTimedIntents(parcel({ handedAtMs: undefined, status: undefined }), late, settings)).toEqual([])
  })
})

describe("quiet hours", () => {
  it("sends at once during the day", () => {
    expect(sendWindow(tuesday10Berlin, "Europe/Berlin", settings)).toEqual({
      sendAtMs: tuesday10Berlin,
      deferred: false
    })
  })

  it("defers a late-evening message to 08:00 local the next morning", () => {
    const at2230Berlin = Date.UTC(2026, 10, 24, 21, 30)
    expect(sendWindow(at2230Berlin, "Europe/Berlin", settings)).toEqual({
      sendAtMs: Date.UTC(2026, 10, 25, 7, 0),
      deferred: true
    })
  })

  it("defers an early-morning message to 08:00 the same day", () => {
    const at0300Berlin = Date.UTC(2026, 10, 25, 2, 0)
    expect(sendWindow(at0300Berlin, "Europe/Berlin", settings).sendAtMs).toBe(Date.UTC(2026, 10, 25, 7, 0))
  })

  it("uses the customer's time zone", () => {
    // 20:30 UTC in November is 20:30 in London (not quiet yet) but 21:30 in Berlin (quiet).
    const at2030Utc = Date.UTC(2026, 10, 24, 20, 30)
    expect(sendWindow(at2030Utc, "Europe/London", settings).deferred).toBe(false)
    expect(sendWindow(at2030Utc, "Europe/Berlin", settings)).toEqual({
      sendAtMs: Date.UTC(2026, 10, 25, 7, 0),
      deferred: true
    })
  })

  it("finds 08:00 across a daylight saving change", () => {
    // Night of 28/29 March 2026: Berlin goes from UTC+1 to UTC+2; 08:00 on the 29th is 06:00 UTC.
    expect(sendWindow(Date.UTC(2026, 2, 28, 22, 0), "Europe/Berlin", settings).sendAtMs).toBe(
      Date.UTC(2026, 2, 29, 6, 0)
    )
  })
})

describe("opt-out and delivery dates", () => {
  it("stops optional mail on opt-out and keeps transactional mail", () => {
    for (const kind of ["packed", "out-for-delivery", "delivered", "delay-alert", "feedback-request"] as const) {
      expect(mayNotify(kind, { optedOut: true })).toBe(false)
      expect(mayNotify(kind, { optedOut: false })).toBe(true)
    }
    for (const kind of [
      "order-confirmed",
      "order-cancelled",
      "shipped",
      "address-correction",
      "return-received",
      "refund-issued"
    ] as const) {
      expect(mayNotify(kind, { optedOut: true })).toBe(true)
    }
  })

  it("promises the day after the carrier's transit business days, skipping the weekend", () => {
    expect(expectedDelivery(tuesday10Berlin, "dhl-paket", "standard", "Europe/Berlin", settings).date).toBe(
      "2026-11-26"
    )
    // Friday handover, UPS standard (3 days): Mon, Tue, Wed.
    const friday = Date.UTC(2026, 10, 27, 15, 0)
    const ups = expectedDelivery(friday, "ups", "standard", "Europe/Berlin", settings)
    expect(ups.date).toBe("2026-12-02")
    expect(ups.byMs).toBe(Date.UTC(2026, 11, 2, 23, 0))
    expect(expectedDelivery(tuesday10Berlin, "unknown-carrier", "standard", "Europe/Berlin", settings).date).toBe(
      "2026-11-27"
    )
  })
})
