/** Renders a parcel's tracking page from its timeline, in German or English. */
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Brand } from "../notify/templates/Brand.ts"
import { escapeHtml } from "../notify/templates/escapeHtml.ts"
import type { TrackingPageView } from "./TrackingPageView.ts"
import type { TrackingStatus } from "./TrackingStatus.ts"

const statusText: Readonly<Record<Locale, Readonly<Record<TrackingStatus | "none", string>>>> = {
  de: {
    none: "Noch keine Meldung des Versanddienstleisters",
    "info-received": "Sendungsdaten übermittelt",
    "in-transit": "Unterwegs",
    "out-for-delivery": "In Zustellung",
    "available-for-pickup": "Zur Abholung bereit",
    "attempted-delivery": "Zustellversuch",
    delivered: "Zugestellt",
    exception: "Problem bei der Zustellung",
    "returned-to-sender": "Zurück an den Absender",
    expired: "Keine aktuellen Daten"
  },
  en: {
    none: "No news from the carrier yet",
    "info-received": "Shipment information received",
    "in-transit": "In transit",
    "out-for-delivery": "Out for delivery",
    "available-for-pickup": "Ready for pickup",
    "attempted-delivery": "Delivery attempted",
    delivered: "Delivered",
    exception: "Delivery problem",
    "returned-to-sender": "Returned to sender",
    expired: "No current data"
  }
}

const labels = {
  de: { order: "Bestellung", number: "Sendungsnummer", expected: "Voraussichtliche Zustellung", history: "Verlauf" },
  en: { order: "Order", number: "Tracking number", expected: "Expected delivery", history: "History" }
} as const

/** The brand's tracking page: one column, readable on a phone, no scripts, no third-party resources. */
export const renderTrackingPage = (
  view: TrackingPageView,
  brand: Brand,
  formatTime: (ms: number) => string
): string => {
  const text = statusText[view.locale]
  const label = labels[view.locale]
  const rows = [...view.timeline]
    .reverse()
    .map(
      (entry) =>
        `<li style="padding:10px 0;border-bottom:1px solid #eee"><div style="font-weight:bold">${escapeHtml(text[entry.status])}</div><div style="color:#555;font-size:14px">${escapeHtml(formatTime(entry.occurredAtMs))}${entry.location === undefined ? "" : ` · ${escapeHtml(entry.location)}`}</div>${entry.description === undefined ? "" : `<div style="font-size:14px">${escapeHtml(entry.description)}</div>`}</li>`
    )
    .join("")
  return `<!doctype html>
<html lang="${view.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(brand.name)} · ${escapeHtml(label.order)} ${escapeHtml(view.orderId)}</title></head>
<body style="margin:0;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222;background:#f4f4f4">
<main style="max-width:560px;margin:0 auto;padding:20px 16px;background:#fff;min-height:100vh">
<div style="font-size:20px;font-weight:bold;color:${escapeHtml(brand.accentColor)}">${escapeHtml(brand.name)}</div>
<h1 style="font-size:24px;margin:16px 0 8px" data-status="${escapeHtml(view.status ?? "none")}">${escapeHtml(text[view.status ?? "none"])}</h1>
<p style="margin:0 0 4px">${escapeHtml(label.order)} ${escapeHtml(view.orderId)}</p>
<p style="margin:0 0 4px">${escapeHtml(label.number)}: ${escapeHtml(view.trackingNumber)}</p>
${view.expectedDeliveryDate === undefined || view.status === "delivered" ? "" : `<p style="margin:0 0 4px">${escapeHtml(label.expected)}: ${escapeHtml(view.expectedDeliveryDate)}</p>`}
<h2 style="font-size:18px;margin:24px 0 8px">${escapeHtml(label.history)}</h2>
<ol style="list-style:none;margin:0;padding:0">${rows}</ol>
</main></body></html>`
}
