/** Renders a notification as the mail's subject, text and HTML in the customer's language. */
import type { Locale } from "../../../../core/config/StationConfig.ts"
import type { NotificationKind } from "../NotificationKind.ts"
import type { Brand } from "./Brand.ts"
import type { CopyBook } from "./CopyBook.ts"
import { englishCopy } from "./englishCopy.ts"
import { escapeHtml } from "./escapeHtml.ts"
import { germanCopy } from "./germanCopy.ts"
import type { Block, TemplateData } from "./TemplateData.ts"

export interface RenderedMessage {
  readonly subject: string
  readonly text: string
  readonly html: string
}

const books: Readonly<Record<Locale, CopyBook>> = { de: germanCopy, en: englishCopy }

const footer: Readonly<Record<Locale, (brand: Brand) => string>> = {
  de: (brand) => `Sie erhalten diese E-Mail, weil Sie bei ${brand.name} bestellt haben. Fragen: ${brand.supportEmail}`,
  en: (brand) => `You receive this email because you ordered from ${brand.name}. Questions: ${brand.supportEmail}`
}

/** The unsubscribe line under every mail (RFC 8058 puts the same URL into the List-Unsubscribe header). */
const unsubscribeLabel: Readonly<Record<Locale, string>> = {
  de: "Keine Versand-Updates und Umfragen mehr erhalten? Hier abmelden",
  en: "No more shipping updates and surveys? Unsubscribe here"
}

const textOf = (block: Block): string => {
  switch (block.type) {
    case "paragraph":
      return block.text
    case "facts":
      return block.rows.map(([label, value]) => `${label}: ${value}`).join("\n")
    case "button":
      return `${block.label}: ${block.url}`
    case "list":
      return block.items.map((item) => `- ${item}`).join("\n")
  }
}

const htmlOf = (block: Block, brand: Brand): string => {
  switch (block.type) {
    case "paragraph":
      return `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(block.text)}</p>`
    case "facts":
      return block.rows.length === 0
        ? ""
        : `<table role="presentation" style="margin:0 0 16px;border-collapse:collapse">${block.rows
            .map(
              ([label, value]) =>
                `<tr><td style="padding:4px 12px 4px 0;color:#555">${escapeHtml(label)}</td><td style="padding:4px 0;font-weight:bold">${escapeHtml(value)}</td></tr>`
            )
            .join("")}</table>`
    case "button":
      return `<p style="margin:0 0 12px"><a href="${escapeHtml(block.url)}" style="display:inline-block;padding:12px 20px;background:${escapeHtml(brand.accentColor)};color:#fff;text-decoration:none;border-radius:6px;font-weight:bold">${escapeHtml(block.label)}</a></p>`
    case "list":
      return `<ul style="margin:0 0 16px;padding-left:20px">${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</ul>`
  }
}

/**
 * One notification in the customer's language, as plain text and as HTML. The HTML is a single narrow column
 * with inline styles, since mail clients drop style sheets, and reads on a phone without zooming.
 */
export const renderNotification = (
  kind: NotificationKind,
  locale: Locale,
  brand: Brand,
  data: TemplateData
): RenderedMessage => {
  const copy = books[locale][kind](data, brand)
  const closing = footer[locale](brand)
  const unsubscribe = data.unsubscribeUrl === undefined ? [] : [`${unsubscribeLabel[locale]}: ${data.unsubscribeUrl}`]
  const text = [
    copy.heading,
    "",
    ...copy.blocks.map(textOf).filter((part) => part !== ""),
    "",
    "--",
    closing,
    ...unsubscribe
  ].join("\n\n")
  const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(copy.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222">
<div style="max-width:560px;margin:0 auto;padding:24px 16px;background:#fff">
<div style="font-size:20px;font-weight:bold;color:${escapeHtml(brand.accentColor)};margin-bottom:16px">${escapeHtml(brand.name)}</div>
<h1 style="font-size:22px;margin:0 0 16px">${escapeHtml(copy.heading)}</h1>
${copy.blocks.map((block) => htmlOf(block, brand)).join("\n")}
<p style="margin:24px 0 0;font-size:12px;color:#777">${escapeHtml(closing)}</p>
${data.unsubscribeUrl === undefined ? "" : `<p style="margin:8px 0 0;font-size:12px;color:#777"><a href="${escapeHtml(data.unsubscribeUrl)}" style="color:#777">${escapeHtml(unsubscribeLabel[locale])}</a></p>`}
</div></body></html>`
  return { subject: copy.subject, text: text.replace(/\n{3,}/g, "\n\n"), html }
}
