/** The German texts of every customer mail. */
import { type CopyBook, formatAmounts, formatLocalDate, shipmentFacts, trackingButtons } from "./CopyBook.ts"
import type { TemplateData } from "./TemplateData.ts"

const date = formatLocalDate("de-DE")
const labels = { carrier: "Versand mit", trackingNumber: "Sendungsnummer", expected: "Voraussichtliche Zustellung" }
const buttons = { ours: "Sendung verfolgen", carrier: "Beim Versanddienstleister ansehen" }

const delayText = {
  "expected-date-passed": "Ihr Paket hätte inzwischen ankommen sollen, ist aber noch unterwegs.",
  "no-carrier-scan": "Der Versanddienstleister hat Ihr Paket seit einiger Zeit nicht mehr gemeldet.",
  "carrier-exception": "Der Versanddienstleister meldet ein Problem mit Ihrer Sendung."
} as const

/** The delay of one parcel of several, named (`parcelOfOrder`). */
const delayOfOneText = {
  "expected-date-passed": (data: TemplateData) =>
    `${parcelOfOrder(data, "Ein")} hätte inzwischen ankommen sollen, ist aber noch unterwegs.`,
  "no-carrier-scan": (data: TemplateData) =>
    `Der Versanddienstleister hat ${parcelOfOrder(data, "ein")} seit einiger Zeit nicht mehr gemeldet.`,
  "carrier-exception": (data: TemplateData) =>
    `Der Versanddienstleister meldet ein Problem mit ${parcelOfOrder(data, "einem")}.`
} as const

/** German copy: "Sie" throughout, as German shops address customers. */
/** A mail about one parcel of several (`oneParcelOfSeveral`). */
const ofSeveral = (data: TemplateData) => data.oneParcelOfSeveral === true
/** A parcel's tracking number in brackets, when the mail knows it. */
const trackedAs = (data: TemplateData) =>
  data.trackingNumber === undefined ? "" : ` (Sendungsnummer ${data.trackingNumber})`
/** A parcel without a tracking number, named by its number among the order's parcels (`parcelNumber`). */
const numbered = (data: TemplateData) => data.trackingNumber === undefined && data.parcelNumber !== undefined
/**
 * The parcel a mail tells of when the order has several (`oneParcelOfSeveral`), named with its order: by its tracking
 * number after the indefinite article the sentence's case takes (`article`: "Ein" at a sentence's start, "ein",
 * "einem"), or by its number among the order's parcels while it has none, which takes no article.
 */
const parcelOfOrder = (data: TemplateData, article: "Ein" | "ein" | "einem") =>
  numbered(data)
    ? `Paket ${data.parcelNumber} Ihrer Bestellung ${data.orderId}`
    : `${article} Paket Ihrer Bestellung ${data.orderId}${trackedAs(data)}`
/** The parcel a correction mail tells of, named with its order (`oneParcelOfSeveral`), at a sentence's start. */
const aParcelOf = (data: TemplateData) => parcelOfOrder(data, "Ein")
/** The parcel a correction mail tells of, at a sentence's start after the sentence named the order. */
const theParcel = (data: TemplateData) =>
  data.oneParcelOfSeveral !== true
    ? "Ihr Paket"
    : numbered(data)
      ? `Paket ${data.parcelNumber} Ihrer Bestellung`
      : `Ein Paket Ihrer Bestellung${trackedAs(data)}`

export const germanCopy: CopyBook = {
  "order-confirmed": (data, brand) => ({
    subject: `Ihre Bestellung ${data.orderId} bei ${brand.name}`,
    heading: "Danke für Ihre Bestellung!",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `wir haben Ihre Bestellung ${data.orderId} erhalten und packen sie für Sie. Sobald sie unterwegs ist, melden wir uns wieder.`
      }
    ]
  }),
  "order-cancelled": (data, brand) => ({
    subject: `Ihre Bestellung ${data.orderId} bei ${brand.name} ist storniert`,
    heading: "Ihre Bestellung ist storniert",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `Ihre Bestellung ${data.orderId} wurde storniert und wird nicht versendet. Falls Sie das nicht erwartet haben, schreiben Sie uns bitte an ${brand.supportEmail}.`
      }
    ]
  }),
  packed: (data) => ({
    subject: ofSeveral(data)
      ? `${parcelOfOrder(data, "Ein")} ist gepackt`
      : `Ihre Bestellung ${data.orderId} ist gepackt`,
    heading: ofSeveral(data) ? "Ein Paket Ihrer Bestellung ist gepackt" : "Ihr Paket ist gepackt",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `${ofSeveral(data) ? parcelOfOrder(data, "Ein") : `Ihre Bestellung ${data.orderId}`} ist gepackt und wartet auf die Abholung durch ${data.carrierName ?? "den Versanddienstleister"}.`
      }
    ]
  }),
  shipped: (data) => ({
    subject: ofSeveral(data)
      ? `${parcelOfOrder(data, "Ein")} ist unterwegs`
      : `Ihre Bestellung ${data.orderId} ist unterwegs`,
    heading: ofSeveral(data) ? "Ein Paket Ihrer Bestellung ist unterwegs" : "Ihr Paket ist unterwegs",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `${ofSeveral(data) ? parcelOfOrder(data, "Ein") : `Ihre Bestellung ${data.orderId}`} wurde an ${data.carrierName} übergeben.`
      },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttons)
    ]
  }),
  "out-for-delivery": (data) => ({
    subject: ofSeveral(data) ? `Heute kommt ${parcelOfOrder(data, "ein")}` : `Heute kommt Ihr Paket (${data.orderId})`,
    heading: ofSeveral(data) ? "Ein Paket Ihrer Bestellung wird heute zugestellt" : "Ihr Paket wird heute zugestellt",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `${data.carrierName} ist mit ${ofSeveral(data) ? parcelOfOrder(data, "einem") : `Ihrer Bestellung ${data.orderId}`} auf dem Weg zu Ihnen.`
      },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttons)
    ]
  }),
  delivered: (data) => ({
    subject: ofSeveral(data)
      ? `${parcelOfOrder(data, "Ein")} ist angekommen`
      : `Ihr Paket ist angekommen (${data.orderId})`,
    heading: "Zugestellt",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `${data.carrierName} hat ${ofSeveral(data) ? parcelOfOrder(data, "ein") : `Ihre Bestellung ${data.orderId}`} zugestellt. Viel Freude damit!`
      },
      ...trackingButtons(data, buttons)
    ]
  }),
  "delay-alert": (data, brand) => ({
    subject: ofSeveral(data)
      ? `Verzögerung bei ${parcelOfOrder(data, "einem")}`
      : `Verzögerung bei Ihrer Bestellung ${data.orderId}`,
    heading: ofSeveral(data) ? "Ein Paket Ihrer Bestellung braucht länger" : "Ihr Paket braucht länger",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: ofSeveral(data)
          ? delayOfOneText[data.delayReason ?? "carrier-exception"](data)
          : delayText[data.delayReason ?? "carrier-exception"]
      },
      {
        type: "paragraph",
        text: `Wir behalten die Sendung im Blick. Fragen? Schreiben Sie uns an ${brand.supportEmail}.`
      },
      shipmentFacts(data, labels, date),
      ...trackingButtons(data, buttons)
    ]
  }),
  "address-correction": (data, brand) => ({
    subject: `Bitte prüfen Sie Ihre Lieferadresse (${data.orderId})`,
    heading: "Wir brauchen Ihre Hilfe",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `an die Adresse Ihrer Bestellung ${data.orderId} können wir so nicht versenden. Ihre Bestellung wartet, bis die Adresse korrigiert ist.${data.addressCorrectionExpiresOn === undefined ? "" : ` Der Link gilt bis ${data.addressCorrectionExpiresOn}.`}`
      },
      ...(data.addressProblems === undefined || data.addressProblems.length === 0
        ? []
        : [{ type: "list" as const, items: data.addressProblems }]),
      {
        type: "button",
        label: "Adresse korrigieren",
        url: data.addressCorrectionUrl ?? `${brand.shopUrl}/orders/${encodeURIComponent(data.orderId)}/address`
      }
    ]
  }),
  "address-correction-ignored": (data, brand) => ({
    subject: `Ihre Adresskorrektur für Bestellung ${data.orderId} konnten wir nicht übernehmen`,
    heading: "Ihre neue Adresse wurde nicht verwendet",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text:
          data.correctionIgnoredCause === "handed-to-carrier"
            ? data.oneParcelOfSeveral === true
              ? `${aParcelOf(data)} war schon an den Versanddienst übergeben, als Ihre Korrektur bei uns ankam. Es ist deshalb an die Adresse unterwegs, für die es beschriftet wurde.`
              : `Ihre Bestellung ${data.orderId} war schon an den Versanddienst übergeben, als Ihre Korrektur bei uns ankam. Ihr Paket ist deshalb an die Adresse unterwegs, für die es beschriftet wurde.`
            : data.correctionIgnoredCause === "parcel-left"
              ? `${data.oneParcelOfSeveral === true ? aParcelOf(data) : `Ihr Paket zur Bestellung ${data.orderId}`} wurde ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde.`
              : data.correctionIgnoredCause === "source-changed-after"
                ? `Der Shop hat die Lieferadresse Ihrer Bestellung ${data.orderId} nach Ihrer Korrektur selbst geändert. Ihre Korrektur gilt deshalb nicht mehr: ${theParcel(data)} geht an die Adresse, die der Shop eingetragen hat.`
                : `Der Shop hatte die Lieferadresse Ihrer Bestellung ${data.orderId} bereits selbst geändert, bevor Ihre Korrektur bei uns ankam. Ihre Korrektur haben wir deshalb nicht übernommen: ${theParcel(data)} geht an die Adresse, die der Shop eingetragen hat.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Ihre eingegebene Adresse", data.correctedAddress] as const] }]),
      {
        type: "paragraph",
        text: `Soll das Paket an Ihre neue Adresse gehen? Schreiben Sie uns bitte an ${brand.supportEmail}, wir helfen Ihnen weiter.`
      }
    ]
  }),
  "address-correction-parcel-left": (data, brand) => ({
    subject: `Neuigkeiten zu Ihrer Adresskorrektur für Bestellung ${data.orderId}`,
    heading:
      data.oneParcelOfSeveral === true
        ? "Ein Paket ist ohne Ihre neue Adresse unterwegs"
        : "Ihr Paket ist ohne Ihre neue Adresse unterwegs",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text:
          data.oneParcelOfSeveral === true
            ? `wir hatten Ihnen geschrieben, dass Ihre Bestellung ${data.orderId} an die Adresse geht, die der Shop eingetragen hat. Ein Paket Ihrer Bestellung${trackedAs(data)} wurde nun ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde.`
            : `wir hatten Ihnen geschrieben, dass Ihr Paket zur Bestellung ${data.orderId} an die Adresse geht, die der Shop eingetragen hat. Ein Paket Ihrer Bestellung wurde nun ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Ihre eingegebene Adresse", data.correctedAddress] as const] }]),
      {
        type: "paragraph",
        text: `Soll das Paket an Ihre neue Adresse gehen? Schreiben Sie uns bitte an ${brand.supportEmail}, wir helfen Ihnen weiter.`
      }
    ]
  }),
  "address-correction-applied": (data, brand) => ({
    subject: `Korrektur: Ihre Adresskorrektur für Bestellung ${data.orderId} wurde doch übernommen`,
    heading:
      data.oneParcelOfSeveral === true ? "Das Paket trägt Ihre neue Adresse" : "Ihr Paket trägt Ihre neue Adresse",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `wir hatten Ihnen geschrieben, dass ${data.oneParcelOfSeveral === true ? parcelOfOrder(data, "ein") : `Ihr Paket zur Bestellung ${data.orderId}`} Ihre Korrektur nicht bekommen hat. Das war falsch: Das Paket wurde für Ihre neue Adresse beschriftet und ist dorthin unterwegs. Sie müssen nichts tun.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Ihre neue Adresse", data.correctedAddress] as const] }]),
      { type: "paragraph", text: `Fragen? Schreiben Sie uns an ${brand.supportEmail}.` }
    ]
  }),
  "address-correction-relabel": (data, brand) => ({
    subject: `Ihre neue Adresse für Bestellung ${data.orderId} ist angekommen`,
    heading: "Ihre neue Adresse ist da",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `Ihre Korrektur kam bei uns an, als Ihre Bestellung ${data.orderId} bereits für die bisherige Adresse gepackt war. Wir haben das Paket angehalten: Mit einem Etikett für die bisherige Adresse verlässt es uns nicht, sondern erst mit einem neuen Etikett für Ihre neue Adresse. Das kann die Lieferung etwas verzögern.`
      },
      ...(data.correctedAddress === undefined
        ? []
        : [{ type: "facts" as const, rows: [["Ihre neue Adresse", data.correctedAddress] as const] }]),
      { type: "paragraph", text: `Fragen? Schreiben Sie uns an ${brand.supportEmail}.` }
    ]
  }),
  "feedback-request": (data, brand) => ({
    subject: `Wie gefällt Ihnen Ihre Bestellung ${data.orderId}?`,
    heading: "Ihre Meinung zählt",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `Ihre Bestellung ${data.orderId} ist vor ein paar Tagen angekommen. Wir würden gern wissen, wie zufrieden Sie sind.`
      },
      {
        type: "button",
        label: "Bewertung abgeben",
        url: data.feedbackPageUrl ?? `${brand.shopUrl}/feedback/${encodeURIComponent(data.orderId)}`
      }
    ]
  }),
  "return-received": (data, brand) => ({
    subject: `Ihre Rücksendung zu Bestellung ${data.orderId} ist angekommen`,
    heading: "Ihre Rücksendung ist da",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `Ihre Rücksendung zu Bestellung ${data.orderId} ist bei uns eingegangen. Wir prüfen die Artikel und melden uns, sobald die Erstattung veranlasst ist.`
      },
      { type: "paragraph", text: `Fragen? Schreiben Sie uns an ${brand.supportEmail}.` }
    ]
  }),
  "refund-issued": (data) => ({
    subject: `Ihre Erstattung zu Bestellung ${data.orderId}`,
    heading: "Wir haben Ihnen Geld erstattet",
    blocks: [
      { type: "paragraph", text: `Hallo ${data.firstName},` },
      {
        type: "paragraph",
        text: `für Ihre Rücksendung zu Bestellung ${data.orderId} haben wir ${formatAmounts("de-DE", data.refundAmounts ?? [])} erstattet. Das Geld geht auf dem Weg zurück, auf dem Sie bezahlt haben; je nach Zahlungsart sehen Sie es in wenigen Tagen.`
      },
      {
        type: "facts",
        rows: [
          ["Betrag", formatAmounts("de-DE", data.refundAmounts ?? [])],
          ...(data.refundReference === undefined ? [] : [["Referenz", data.refundReference] as const])
        ]
      }
    ]
  })
}
