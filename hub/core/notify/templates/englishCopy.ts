/** The English texts of every customer mail. */
import { type CopyBook, formatAmounts, formatLocalDate, shipmentFacts, trackingButtons } from "./CopyBook.ts"
import type { TemplateData } from "./TemplateData.ts"

const date = formatLocalDate("en-GB")
const labels = { carrier: "Carrier", trackingNumber: "Tracking number", expected: "Expected delivery" }
const buttons = { ours: "Track your parcel", carrier: "View on the carrier's site" }
/** One parcel of several is "this parcel": the page tracks it alone. */
const buttonsOf = (data: TemplateData) =>
  data.oneParcelOfSeveral === true ? { ...buttons, ours: "Track this parcel" } : buttons

const delayText = {
  "expected-date-passed": "Your parcel should have arrived by now, but it is still on its way.",
  "no-carrier-scan": "The carrier has not reported on your parcel for a while.",
  "carrier-exception": "The carrier reports a problem with your parcel."
} as const

const capitalised = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`

/** The delay of one parcel of several, named (`aParcelOf`). */
const delayOfOneText = {
  "expected-date-passed": (parcel: string) =>
    `${capitalised(parcel)} should have arrived by now, but it is still on its way.`,
  "no-carrier-scan": (parcel: string) => `The carrier has not reported on ${parcel} for a while.`,
  "carrier-exception": (parcel: string) => `The carrier reports a problem with ${parcel}.`
} as const

/** A mail about one parcel of several (`oneParcelOfSeveral`). */
const ofSeveral = (data: TemplateData) => data.oneParcelOfSeveral === true
/** A parcel's tracking number in brackets, when the mail knows it. */
const trackedAs = (data: TemplateData) =>
  data.trackingNumber === undefined ? "" : ` (tracking number ${data.trackingNumber})`
/**
 * The parcel a mail tells of when the order has several (`oneParcelOfSeveral`), named with its order: by its tracking
 * number, or by its number among the order's parcels while it has none (`parcelNumber`).
 */
const aParcelOf = (data: TemplateData) =>
  data.trackingNumber === undefined && data.parcelNumber !== undefined
    ? `parcel ${data.parcelNumber} of your order ${data.orderId}`
    : `a parcel of your order ${data.orderId}${trackedAs(data)}`
/** The parcel a correction mail tells of, after the sentence named the order. */
const theParcel = (data: TemplateData) =>
  data.oneParcelOfSeveral !== true
    ? "your parcel"
    : data.trackingNumber === undefined && data.parcelNumber !== undefined
      ? `parcel ${data.parcelNumber} of your order`
      : `a parcel of your order${trackedAs(data)}`

export const englishCopy: CopyBook = {
  "order-confirmed": (data, brand) => ({
    subject: `Your ${brand.name} order ${data.orderId}`,
    heading: "Thank you for your order!",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `we have received your order ${data.orderId} and are packing it for you. We will write again as soon as it is on its way.`
      }
    ]
  }),
  "order-cancelled": (data, brand) => ({
    subject: `Your ${brand.name} order ${data.orderId} is cancelled`,
    heading: "Your order is cancelled",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `your order ${data.orderId} has been cancelled and will not be sent. If you did not expect this, please write to ${brand.supportEmail}.`
      }
    ]
  }),
  packed: (data) => ({
    subject: ofSeveral(data) ? `${capitalised(aParcelOf(data))} is packed` : `Your order ${data.orderId} is packed`,
    heading: ofSeveral(data) ? "A parcel of your order is packed" : "Your parcel is packed",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `${ofSeveral(data) ? aParcelOf(data) : `your order ${data.orderId}`} is packed and waiting for ${data.carrierName ?? "the carrier"} to collect it.`
      }
    ]
  }),
  shipped: (data) => ({
    subject: ofSeveral(data)
      ? `${capitalised(aParcelOf(data))} is on its way`
      : `Your order ${data.orderId} is on its way`,
    heading: ofSeveral(data) ? "A parcel of your order is on its way" : "Your parcel is on its way",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `${ofSeveral(data) ? aParcelOf(data) : `your order ${data.orderId}`} has been handed to ${data.carrierName}.`
      },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttonsOf(data))
    ]
  }),
  "out-for-delivery": (data) => ({
    subject: ofSeveral(data)
      ? `${capitalised(aParcelOf(data))} arrives today`
      : `Your parcel arrives today (${data.orderId})`,
    heading: "Out for delivery",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `${data.carrierName} is on the way to you with ${ofSeveral(data) ? aParcelOf(data) : `your order ${data.orderId}`}.`
      },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttonsOf(data))
    ]
  }),
  delivered: (data) => ({
    subject: ofSeveral(data)
      ? `${capitalised(aParcelOf(data))} has arrived`
      : `Your parcel has arrived (${data.orderId})`,
    heading: "Delivered",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `${data.carrierName} has delivered ${ofSeveral(data) ? aParcelOf(data) : `your order ${data.orderId}`}. Enjoy!`
      },
      ...trackingButtons(data, buttonsOf(data))
    ]
  }),
  "delay-alert": (data, brand) => ({
    subject: ofSeveral(data) ? `${capitalised(aParcelOf(data))} is delayed` : `Your order ${data.orderId} is delayed`,
    heading: ofSeveral(data) ? "A parcel of your order is taking longer" : "Your parcel is taking longer",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: ofSeveral(data)
          ? delayOfOneText[data.delayReason ?? "carrier-exception"](aParcelOf(data))
          : delayText[data.delayReason ?? "carrier-exception"]
      },
      { type: "paragraph", text: `We are keeping an eye on it. Questions? Write to us at ${brand.supportEmail}.` },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttonsOf(data))
    ]
  }),
  "address-correction": (data, brand) => ({
    subject: `Please check your delivery address (${data.orderId})`,
    heading: "We need your help",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `we cannot ship your order ${data.orderId} to the address as given. Your order waits until the address is corrected.${data.addressCorrectionExpiresOn === undefined ? "" : ` The link works until ${data.addressCorrectionExpiresOn}.`}`
      },
      ...(data.addressProblems === undefined || data.addressProblems.length === 0
        ? []
        : [{ type: "list" as const, items: data.addressProblems }]),
      {
        type: "button",
        label: "Correct the address",
        url: data.addressCorrectionUrl ?? `${brand.shopUrl}/orders/${encodeURIComponent(data.orderId)}/address`
      }
    ]
  }),
  "address-correction-ignored": (data, brand) => ({
    subject: `We could not use your address correction for order ${data.orderId}`,
    heading: "Your new address was not used",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text:
          data.correctionIgnoredCause === "handed-to-carrier"
            ? data.oneParcelOfSeveral === true
              ? `${aParcelOf(data)} had already been handed to the carrier when your correction reached us, so it is on its way to the address it was labelled for.`
              : `your order ${data.orderId} had already been handed to the carrier when your correction reached us, so your parcel is on its way to the address it was labelled for.`
            : data.correctionIgnoredCause === "parcel-left"
              ? `${data.oneParcelOfSeveral === true ? aParcelOf(data) : `your parcel of order ${data.orderId}`} was handed to the carrier without your correction and is on its way to the address it was labelled for.`
              : data.correctionIgnoredCause === "source-changed-after"
                ? `the shop changed the delivery address of your order ${data.orderId} itself after your correction, so your correction no longer applies: ${theParcel(data)} goes to the address the shop set.`
                : `the shop had already changed the delivery address of your order ${data.orderId} itself before your correction reached us, so we did not use your correction: ${theParcel(data)} goes to the address the shop set.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["The address you entered", data.correctedAddress] as const] }]),
      {
        type: "paragraph",
        text: `If the parcel should go to your new address, please write to us at ${brand.supportEmail} and we will help.`
      }
    ]
  }),
  "address-correction-parcel-left": (data, brand) => ({
    subject: `Update on your address correction for order ${data.orderId}`,
    heading:
      data.oneParcelOfSeveral === true
        ? "A parcel left without your new address"
        : "Your parcel left without your new address",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text:
          data.oneParcelOfSeveral === true
            ? `we wrote to you that your order ${data.orderId} goes to the address the shop set. A parcel of your order${trackedAs(data)} has now been handed to the carrier without your correction and is on its way to the address it was labelled for.`
            : `we wrote to you that your parcel of order ${data.orderId} goes to the address the shop set. A parcel of your order has now been handed to the carrier without your correction and is on its way to the address it was labelled for.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["The address you entered", data.correctedAddress] as const] }]),
      {
        type: "paragraph",
        text: `If the parcel should go to your new address, please write to us at ${brand.supportEmail} and we will help.`
      }
    ]
  }),
  "address-correction-applied": (data, brand) => ({
    subject: `Correction: your address correction for order ${data.orderId} was used after all`,
    heading:
      data.oneParcelOfSeveral === true ? "The parcel carries your new address" : "Your parcel carries your new address",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `we wrote to you that ${data.oneParcelOfSeveral === true ? aParcelOf(data) : `your parcel of order ${data.orderId}`} did not get your correction. That was wrong: the parcel was labelled for your new address and is on its way there. You do not need to do anything.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Your new address", data.correctedAddress] as const] }]),
      { type: "paragraph", text: `Questions? Write to us at ${brand.supportEmail}.` }
    ]
  }),
  "address-correction-relabel": (data, brand) => ({
    subject: `Your new address for order ${data.orderId} has reached us`,
    heading: "We have your new address",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `your correction reached us when your order ${data.orderId} had already been packed for the previous address. We have stopped the parcel: it does not leave with a label for that address, only with a new label for your new address. This may delay your parcel a little.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Your new address", data.correctedAddress] as const] }]),
      { type: "paragraph", text: `Questions? Write to us at ${brand.supportEmail}.` }
    ]
  }),
  "feedback-request": (data, brand) => ({
    subject: `How do you like your order ${data.orderId}?`,
    heading: "Tell us what you think",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `your order ${data.orderId} arrived a few days ago. We would love to hear how happy you are with it.`
      },
      {
        type: "button",
        label: "Leave a review",
        url: data.feedbackPageUrl ?? `${brand.shopUrl}/feedback/${encodeURIComponent(data.orderId)}`
      }
    ]
  }),
  "return-received": (data, brand) => ({
    subject: `We have received your return for order ${data.orderId}`,
    heading: "Your return has arrived",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `your return for order ${data.orderId} has arrived. We are checking the items and will write again as soon as your refund is on its way.`
      },
      { type: "paragraph", text: `Questions? Write to us at ${brand.supportEmail}.` }
    ]
  }),
  "refund-issued": (data) => ({
    subject: `Your refund for order ${data.orderId}`,
    heading: "We have refunded you",
    blocks: [
      { type: "paragraph", text: `Hi ${data.firstName},` },
      {
        type: "paragraph",
        text: `we have refunded ${formatAmounts("en-GB", data.refundAmounts ?? [])} for your return of order ${data.orderId}. The money goes back the way you paid; depending on the payment method you will see it within a few days.`
      },
      {
        type: "facts",
        rows: [
          ["Amount", formatAmounts("en-GB", data.refundAmounts ?? [])],
          ...(data.refundReference === undefined ? [] : [["Reference", data.refundReference] as const])
        ]
      }
    ]
  })
}
