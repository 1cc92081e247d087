/** The shape of one language's notification texts and the helpers they share. */
import type { NotificationKind } from "../NotificationKind.ts"
import type { Brand } from "./Brand.ts"
import type { Block, MessageCopy, TemplateData } from "./TemplateData.ts"

/** One language's words for every kind: a Record, so a new kind without copy does not compile. */
export type CopyBook = Readonly<Record<NotificationKind, (data: TemplateData, brand: Brand) => MessageCopy>>

/** Carrier, number and date rows under the labels of one language; rows without a value are left out. */
export const shipmentFacts = (
  data: TemplateData,
  labels: { readonly carrier: string; readonly trackingNumber: string; readonly expected: string },
  formatDate: (isoDate: string) => string
): Block => ({
  type: "facts",
  rows: [
    ...(data.carrierName === undefined ? [] : [[labels.carrier, data.carrierName] as const]),
    ...(data.trackingNumber === undefined ? [] : [[labels.trackingNumber, data.trackingNumber] as const]),
    ...(data.expectedDeliveryDate === undefined
      ? []
      : [[labels.expected, formatDate(data.expectedDeliveryDate)] as const])
  ]
})

/** The tracking buttons: the brand's page first, the carrier's as the second way to look. */
export const trackingButtons = (
  data: TemplateData,
  labels: { readonly ours: string; readonly carrier: string }
): ReadonlyArray<Block> => [
  ...(data.trackingPageUrl === undefined
    ? []
    : [{ type: "button" as const, label: labels.ours, url: data.trackingPageUrl }]),
  ...(data.carrierTrackingUrl === undefined
    ? []
    : [{ type: "button" as const, label: labels.carrier, url: data.carrierTrackingUrl }])
]

/** Dates a formatter keeps formatted: far more than the delivery days of the mails in flight at once. */
const formattedDatesKept = 512

/**
 * A date as the language writes it ("Montag, 7. Dezember 2026"). The hub's mails of a day name the same few delivery
 * days, and ICU's formatting took about 50 µs of a mail sent alone (cold, between mails): each date is formatted once.
 */
export const formatLocalDate = (language: string) => {
  const formatter = new Intl.DateTimeFormat(language, {
    timeZone: "UTC",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric"
  })
  const formatted = new Map<string, string>()
  return (isoDate: string) => {
    const known = formatted.get(isoDate)
    if (known !== undefined) return known
    const [year, month, day] = isoDate.split("-").map(Number)
    const text = formatter.format(new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1)))
    if (formatted.size >= formattedDatesKept) formatted.clear()
    formatted.set(isoDate, text)
    return text
  }
}

/**
 * Money in the customer's language: "12,90 €" in German, "€12.90" in English. Amounts arrive in minor units; the
 * currency's own number of decimals (ISO 4217: 2 for EUR, 0 for JPY) turns them into the amount.
 */
export const formatMoney = (language: string) => (amountMinor: number, currency: string) => {
  const formatter = new Intl.NumberFormat(language, { style: "currency", currency })
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2
  return formatter.format(amountMinor / 10 ** digits)
}

/** Several currencies (rare: one order is paid in one) are listed side by side. */
export const formatAmounts = (
  language: string,
  amounts: ReadonlyArray<{ readonly amountMinor: number; readonly currency: string }>
) => {
  const money = formatMoney(language)
  return amounts.map((amount) => money(amount.amountMinor, amount.currency)).join(" + ")
}
