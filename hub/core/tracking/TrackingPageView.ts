/** The view model of the customer's tracking page, with no personal data. */
import { Effect } from "effect"
import type { Locale } from "../../../core/config/StationConfig.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { TrackingStatus, TrackingSubReason } from "./TrackingStatus.ts"
import { sortTimeline, type TimelineEntry } from "./TrackingTimeline.ts"

/**
 * What a tracking page shows: one parcel, found by its token alone. Deliberately no name, no address and no
 * e-mail: a forwarded or leaked link tells a stranger where a parcel is, not who ordered what where.
 */
export interface TrackingPageView {
  readonly orderId: string
  readonly brand: string
  readonly locale: Locale
  readonly carrier: string
  readonly trackingNumber: string
  readonly status: TrackingStatus | undefined
  readonly expectedDeliveryDate: string | undefined
  readonly timeline: ReadonlyArray<TimelineEntry>
}

export const loadTrackingPageView = Effect.fn("TrackingPageView.load")(function* (token: string) {
  const sql = yield* Sql
  const parcels = yield* sql.query<{
    parcel_id: string
    order_id: string
    carrier: string
    tracking_number: string
    status: TrackingStatus | null
    expected_delivery_date: string | null
    brand: string | null
    locale: Locale | null
  }>(
    `SELECT p.parcel_id, p.order_id, p.carrier, p.tracking_number, p.status, p.expected_delivery_date, o.brand,
       c.locale
     FROM hub_parcels p LEFT JOIN hub_orders o ON o.order_id = p.order_id
     LEFT JOIN hub_customers c ON c.customer_id = o.customer_id
     WHERE p.tracking_token = ?`,
    [token]
  )
  const parcel = parcels[0]
  if (parcel === undefined) return undefined
  const events = yield* sql.query<{
    carrier_event_id: string
    status: TrackingStatus
    sub_reason: TrackingSubReason | null
    occurred_at_ms: number
    location: string | null
    description: string | null
  }>(
    `SELECT carrier_event_id, status, sub_reason, occurred_at_ms, location, description
     FROM hub_tracking_events WHERE parcel_id = ?`,
    [parcel.parcel_id]
  )
  const view: TrackingPageView = {
    orderId: parcel.order_id,
    brand: parcel.brand ?? "",
    locale: parcel.locale ?? "de",
    carrier: parcel.carrier,
    trackingNumber: parcel.tracking_number,
    status: parcel.status ?? undefined,
    expectedDeliveryDate: parcel.expected_delivery_date ?? undefined,
    timeline: sortTimeline(
      events.map((row) => ({
        eventId: row.carrier_event_id,
        status: row.status,
        subReason: row.sub_reason ?? undefined,
        occurredAtMs: Number(row.occurred_at_ms),
        location: row.location ?? undefined,
        description: row.description ?? undefined
      }))
    )
  }
  return view
})
