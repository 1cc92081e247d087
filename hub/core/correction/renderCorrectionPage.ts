/** Renders the customer's address correction page (form, errors per field, and every closed state) in German or English. */
import { countryRules } from "../../../core/address/countryRules.generated.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Brand } from "../notify/templates/Brand.ts"
import { escapeHtml } from "../notify/templates/escapeHtml.ts"
import {
  type CorrectionField,
  type CorrectionView,
  correctionFields,
  type FieldError,
  maxFieldLength
} from "./AddressCorrections.ts"

interface PageCopy {
  readonly title: string
  readonly intro: (orderId: string) => string
  readonly problems: string
  readonly labels: Readonly<Record<CorrectionField, string>>
  readonly optional: string
  readonly country: (name: string) => string
  readonly submit: string
  readonly fix: (count: number) => string
  readonly closed: Readonly<Record<Exclude<CorrectionView["state"], "form">, string>>
  readonly shipsTo: string
}

const copy: Readonly<Record<Locale, PageCopy>> = {
  de: {
    title: "Lieferadresse korrigieren",
    intro: (orderId) =>
      `An diese Adresse können wir Ihre Bestellung ${orderId} so nicht versenden. Bitte korrigieren Sie sie – Ihre Bestellung wartet so lange.`,
    problems: "Was nicht stimmt:",
    labels: {
      name: "Name",
      company: "Firma",
      street1: "Straße und Hausnummer (oder Packstation)",
      street2: "Adresszusatz (z. B. Postnummer, Hinterhaus)",
      postalCode: "Postleitzahl",
      city: "Ort",
      region: "Bundesland / Region"
    },
    optional: "freiwillig",
    country: (name) => `Land: ${name} (ein anderes Land ist eine neue Sendung – bitte schreiben Sie uns dafür)`,
    submit: "Adresse speichern",
    fix: (count) => (count === 1 ? "Bitte korrigieren Sie 1 Angabe." : `Bitte korrigieren Sie ${count} Angaben.`),
    closed: {
      corrected: "Danke! Wir versenden Ihre Bestellung an diese Adresse.",
      released: "Die Adresse wurde bereits korrigiert – Ihre Bestellung ist wieder unterwegs zu Ihnen.",
      cancelled: "Diese Bestellung wurde storniert; es gibt nichts mehr zu korrigieren.",
      packed:
        "Ihre Bestellung ist schon gepackt; die Adresse lässt sich hier nicht mehr ändern. Bitte schreiben Sie uns.",
      expired: "Dieser Link ist abgelaufen. Bitte schreiben Sie uns, wir helfen Ihnen gern.",
      locked: "Zu viele Versuche über diesen Link. Bitte schreiben Sie uns, wir helfen Ihnen gern.",
      replaced:
        "Dieser Link gilt nicht mehr: Wir haben Ihnen eine neue E-Mail mit einem neuen Link geschickt. Bitte nutzen Sie den Link aus der neuesten E-Mail."
    },
    shipsTo: "Lieferadresse"
  },
  en: {
    title: "Correct your delivery address",
    intro: (orderId) =>
      `We cannot ship your order ${orderId} to this address as it is. Please correct it – your order waits until then.`,
    problems: "What is wrong:",
    labels: {
      name: "Name",
      company: "Company",
      street1: "Street and house number (or Packstation)",
      street2: "Address line 2 (e.g. Postnummer, flat)",
      postalCode: "Postal code",
      city: "City",
      region: "State / region"
    },
    optional: "optional",
    country: (name) => `Country: ${name} (another country is a new shipment – please write to us for that)`,
    submit: "Save the address",
    fix: (count) => (count === 1 ? "Please correct 1 field." : `Please correct ${count} fields.`),
    closed: {
      corrected: "Thank you! We will ship your order to this address.",
      released: "The address has already been corrected – your order is on its way to you again.",
      cancelled: "This order was cancelled; there is nothing left to correct.",
      packed: "Your order is already packed; its address cannot be changed here any more. Please write to us.",
      expired: "This link has expired. Please write to us and we will help.",
      locked: "Too many attempts through this link. Please write to us and we will help.",
      replaced:
        "This link no longer works: we have sent you a new email with a new link. Please use the link in the latest email."
    },
    shipsTo: "Delivery address"
  }
}

const autocomplete: Readonly<Record<CorrectionField, string>> = {
  name: "shipping name",
  company: "shipping organization",
  street1: "shipping address-line1",
  street2: "shipping address-line2",
  postalCode: "shipping postal-code",
  city: "shipping address-level2",
  region: "shipping address-level1"
}

const required = new Set<CorrectionField>(["name", "street1", "postalCode", "city"])

const countryName = (code: string, locale: Locale) => {
  const rule = Object.hasOwn(countryRules, code) ? countryRules[code] : undefined
  return rule === undefined ? code : locale === "de" ? rule.names.de : rule.names.en
}

const style = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222;background:#f4f4f4}
main{max-width:560px;margin:0 auto;padding:20px 16px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:12px 0 8px}label{display:block;font-weight:600;margin:16px 0 4px}
input{width:100%;font:inherit;padding:12px;border:1px solid #888;border-radius:6px}
input[aria-invalid=true]{border:2px solid #b00020}.error{color:#b00020;margin:4px 0 0;font-weight:600}
.summary{border:2px solid #b00020;border-radius:6px;padding:8px 12px;margin:12px 0}
button{width:100%;margin-top:24px;padding:14px;border:0;border-radius:6px;color:#fff;font:inherit;font-weight:700}
.muted{color:#555;font-weight:400}address{font-style:normal;border-left:4px solid #ddd;padding:4px 12px;margin:12px 0}`

const page = (locale: Locale, brand: Brand, title: string, body: string) => `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(brand.name)} · ${escapeHtml(title)}</title>
<style>${style}button{background:${escapeHtml(brand.accentColor)}}</style></head>
<body><main>
<div style="font-size:20px;font-weight:bold;color:${escapeHtml(brand.accentColor)}">${escapeHtml(brand.name)}</div>
${body}
</main></body></html>`

const addressBlock = (view: CorrectionView) =>
  `<address data-address="shown">${[
    view.shipTo.name,
    view.shipTo.company,
    view.shipTo.street1,
    view.shipTo.street2,
    [view.shipTo.postalCode, view.shipTo.city].filter((part) => part !== undefined && part !== "").join(" "),
    view.shipTo.region,
    countryName(view.shipTo.country, view.locale)
  ]
    .filter((line): line is string => line !== undefined && line !== "")
    .map(escapeHtml)
    .join("<br>")}</address>`

/**
 * The page at `/a/<token>`: one column, readable and typeable on a phone, a plain form that needs no script. The
 * token goes back as a hidden field (the server compares it with the link's), so a form posted from elsewhere
 * without it is refused; each refused field carries its message beside it and in the summary at the top.
 */
export const renderCorrectionPage = (
  view: CorrectionView,
  brand: Brand,
  token: string,
  errors: ReadonlyArray<FieldError> = []
): string => {
  const words = copy[view.locale]
  if (view.state !== "form") {
    return page(
      view.locale,
      brand,
      words.title,
      `<h1 data-state="${view.state}">${escapeHtml(words.closed[view.state])}</h1>
${view.state === "corrected" || view.state === "released" ? `<p>${escapeHtml(words.shipsTo)}:</p>${addressBlock(view)}` : ""}
<p class="muted">${escapeHtml(brand.supportEmail)}</p>`
    )
  }
  const errorOf = (field: string) => errors.find((error) => error.field === field)
  const general = errors.filter((error) => !(correctionFields as ReadonlyArray<string>).includes(error.field))
  const summary =
    errors.length === 0
      ? ""
      : `<div class="summary" role="alert" data-errors="${errors.length}"><p style="margin:0;font-weight:700">${escapeHtml(words.fix(errors.length))}</p>
<ul style="margin:4px 0 0;padding-left:20px">${errors
          .map((error) =>
            (correctionFields as ReadonlyArray<string>).includes(error.field)
              ? `<li><a href="#${error.field}">${escapeHtml(words.labels[error.field as CorrectionField])}</a>: ${escapeHtml(error.message)}</li>`
              : `<li>${escapeHtml(error.message)}</li>`
          )
          .join("")}</ul></div>`
  const fields = correctionFields
    .map((field) => {
      const error = errorOf(field)
      const value = view.shipTo[field] ?? ""
      return `<label for="${field}">${escapeHtml(words.labels[field])}${required.has(field) ? "" : ` <span class="muted">(${escapeHtml(words.optional)})</span>`}</label>
<input id="${field}" name="${field}" value="${escapeHtml(value)}" maxlength="${maxFieldLength[field]}" autocomplete="${autocomplete[field]}"${required.has(field) ? " required" : ""}${error === undefined ? "" : ` aria-invalid="true" aria-describedby="${field}-error"`}>
${error === undefined ? "" : `<p class="error" id="${field}-error" data-error-for="${field}">${escapeHtml(error.message)}</p>`}`
    })
    .join("\n")
  return page(
    view.locale,
    brand,
    words.title,
    `<h1>${escapeHtml(words.title)}</h1>
<p>${escapeHtml(words.intro(view.orderId))}</p>
${errors.length === 0 && view.problems.length > 0 ? `<p style="margin-bottom:0">${escapeHtml(words.problems)}</p><ul>${view.problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join("")}</ul>` : ""}
${summary}
<form method="post" data-form="address" novalidate>
<input type="hidden" name="token" value="${escapeHtml(token)}">
${fields}
<p${general.length > 0 ? ' class="error"' : ""}>${escapeHtml(words.country(countryName(view.shipTo.country, view.locale)))}</p>
<button type="submit">${escapeHtml(words.submit)}</button>
</form>`
  )
}
