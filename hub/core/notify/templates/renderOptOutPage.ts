/** Renders the opt-out page (confirm, done, already) in German or English. */
import type { Locale } from "../../../../core/config/StationConfig.ts"
import type { Brand } from "./Brand.ts"
import { escapeHtml } from "./escapeHtml.ts"

export type OptOutPageState = "confirm" | "done" | "already"

interface PageCopy {
  readonly title: string
  readonly confirm: string
  readonly button: string
  readonly done: string
  readonly already: string
  readonly whatStops: string
  readonly whatStays: string
}

/** German and English words of the unsubscribe page; the stopped and kept kinds follow `mailClassOf`. */
const copy: Readonly<Record<Locale, (brand: Brand) => PageCopy>> = {
  de: (brand) => ({
    title: `${brand.name}: E-Mails abbestellen`,
    confirm: "Möchten Sie diese E-Mails abbestellen?",
    button: "Ja, abbestellen",
    done: "Sie sind abgemeldet.",
    already: "Sie sind bereits abgemeldet.",
    whatStops: `Sie erhalten von ${brand.name} keine Paket-Updates (gepackt, in Zustellung, zugestellt, Verzögerungen) und keine Bitten um Bewertung mehr.`,
    whatStays: `E-Mails, die Ihre Bestellung, den Versand, eine Rücksendung oder eine Erstattung bestätigen oder um eine Adresskorrektur bitten, bekommen Sie weiterhin. Fragen: ${brand.supportEmail}`
  }),
  en: (brand) => ({
    title: `${brand.name}: unsubscribe`,
    confirm: "Do you want to unsubscribe from these emails?",
    button: "Yes, unsubscribe",
    done: "You are unsubscribed.",
    already: "You are already unsubscribed.",
    whatStops: `${brand.name} will no longer send you parcel updates (packed, out for delivery, delivered, delays) or ask for reviews.`,
    whatStays: `You will still get the emails that confirm your order, its shipping, a return or a refund, or ask you to correct an address. Questions: ${brand.supportEmail}`
  })
}

/**
 * The unsubscribe page at `/u/<token>`. GET shows it with a confirm button, so a link scanner that follows the
 * URL changes nothing; the button POSTs the same body a mail client's one-click unsubscribe sends (RFC 8058).
 */
export const renderOptOutPage = (locale: Locale, brand: Brand, state: OptOutPageState, actionPath: string): string => {
  const words = copy[locale](brand)
  const body =
    state === "confirm"
      ? `<h1 style="font-size:22px;margin:16px 0">${escapeHtml(words.confirm)}</h1>
<p style="line-height:1.5">${escapeHtml(words.whatStops)}</p>
<p style="line-height:1.5">${escapeHtml(words.whatStays)}</p>
<form method="post" action="${escapeHtml(actionPath)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="padding:12px 20px;border:0;border-radius:6px;background:${escapeHtml(brand.accentColor)};color:#fff;font-weight:bold;font-size:16px">${escapeHtml(words.button)}</button></form>`
      : `<h1 style="font-size:22px;margin:16px 0" data-state="${state}">${escapeHtml(state === "done" ? words.done : words.already)}</h1>
<p style="line-height:1.5">${escapeHtml(words.whatStops)}</p>
<p style="line-height:1.5">${escapeHtml(words.whatStays)}</p>`
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(words.title)}</title></head>
<body style="margin:0;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222;background:#f4f4f4">
<main style="max-width:560px;margin:0 auto;padding:20px 16px;background:#fff;min-height:100vh">
<div style="font-size:20px;font-weight:bold;color:${escapeHtml(brand.accentColor)}">${escapeHtml(brand.name)}</div>
${body}
</main></body></html>`
}
