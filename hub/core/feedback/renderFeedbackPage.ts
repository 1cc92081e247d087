/** Renders the feedback page (rating and comment) in German or English. */
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Brand } from "../notify/templates/Brand.ts"
import { escapeHtml } from "../notify/templates/escapeHtml.ts"
import { type FeedbackPageView, maxCommentLength } from "./FeedbackAnswers.ts"

const copy = {
  de: {
    title: "Wie zufrieden sind Sie?",
    intro: (orderId: string) => `Mit Ihrer Bestellung ${orderId}, von 1 (gar nicht) bis 5 (sehr zufrieden).`,
    scale: ["gar nicht", "wenig", "teils", "zufrieden", "sehr zufrieden"],
    comment: "Möchten Sie uns noch etwas sagen? (freiwillig)",
    submit: "Absenden",
    thanks: "Danke für Ihre Bewertung!",
    already: "Sie haben diese Bestellung schon bewertet – danke!",
    yours: (rating: number) => `Ihre Bewertung: ${rating} von 5`,
    invalid: "Bitte wählen Sie eine Bewertung von 1 bis 5.",
    controls:
      "Ihr Kommentar enthielt unsichtbare Steuerzeichen, die wir nicht speichern können. Wir haben sie unten entfernt: Bitte prüfen Sie ihn und senden Sie erneut."
  },
  en: {
    title: "How happy are you?",
    intro: (orderId: string) => `With your order ${orderId}, from 1 (not at all) to 5 (very happy).`,
    scale: ["not at all", "a little", "partly", "happy", "very happy"],
    comment: "Anything else you want to tell us? (optional)",
    submit: "Send",
    thanks: "Thank you for your rating!",
    already: "You have already rated this order – thank you!",
    yours: (rating: number) => `Your rating: ${rating} of 5`,
    invalid: "Please choose a rating from 1 to 5.",
    controls:
      "Your comment contained invisible control characters, which we cannot store. We removed them below: please check it and send it again."
  }
} as const satisfies Record<Locale, unknown>

/**
 * What the page shows: the form (after a refused post, with the reason: no rating from 1 to 5, or a comment with
 * control characters, offered again without them), or the answer that was stored.
 */
export type FeedbackPageState =
  | {
      readonly type: "form"
      readonly preselected?: number | undefined
      readonly invalid?: "rating" | "comment"
      readonly comment?: string
    }
  | { readonly type: "answered"; readonly justNow: boolean }

/** The feedback page: one column, readable on a phone, a plain HTML form that needs no script. */
export const renderFeedbackPage = (view: FeedbackPageView, brand: Brand, state: FeedbackPageState): string => {
  const text = copy[view.locale]
  const body =
    state.type === "answered" && view.answer !== undefined
      ? `<h1 style="font-size:24px;margin:16px 0 8px" data-feedback="answered">${escapeHtml(state.justNow ? text.thanks : text.already)}</h1>
<p style="margin:0 0 8px" data-rating="${view.answer.rating}">${escapeHtml(text.yours(view.answer.rating))}</p>
${view.answer.comment === "" ? "" : `<blockquote style="margin:0;padding:8px 12px;border-left:4px solid #ddd;color:#444">${escapeHtml(view.answer.comment)}</blockquote>`}`
      : `<h1 style="font-size:24px;margin:16px 0 8px">${escapeHtml(text.title)}</h1>
<p style="margin:0 0 16px">${escapeHtml(text.intro(view.orderId))}</p>
${state.type === "form" && state.invalid !== undefined ? `<p role="alert" style="margin:0 0 16px;color:#b00020;font-weight:bold">${escapeHtml(state.invalid === "rating" ? text.invalid : text.controls)}</p>` : ""}
<form method="post" data-feedback="form">
<fieldset style="border:0;margin:0 0 16px;padding:0;display:flex;gap:8px">
${[1, 2, 3, 4, 5]
  .map(
    (rating) =>
      `<label style="flex:1;text-align:center;border:2px solid #ddd;border-radius:8px;padding:10px 4px;cursor:pointer"><input type="radio" name="rating" value="${rating}" required${state.type === "form" && state.preselected === rating ? " checked" : ""} style="display:block;margin:0 auto 4px"><span style="font-size:22px;font-weight:bold">${rating}</span><span style="display:block;font-size:12px;color:#555">${escapeHtml(text.scale[rating - 1] ?? "")}</span></label>`
  )
  .join("\n")}
</fieldset>
<label style="display:block;margin:0 0 6px" for="comment">${escapeHtml(text.comment)}</label>
<textarea id="comment" name="comment" rows="4" maxlength="${maxCommentLength}" style="width:100%;box-sizing:border-box;font:inherit;padding:8px;border:1px solid #ccc;border-radius:6px">${state.type === "form" && state.comment !== undefined && state.comment !== "" ? `\n${escapeHtml(state.comment)}` : ""}</textarea>
<button type="submit" style="margin-top:16px;padding:12px 20px;background:${escapeHtml(brand.accentColor)};color:#fff;border:0;border-radius:6px;font:inherit;font-weight:bold">${escapeHtml(text.submit)}</button>
</form>`
  return `<!doctype html>
<html lang="${view.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(brand.name)} · ${escapeHtml(text.title)}</title></head>
<body style="margin:0;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#222;background:#f4f4f4">
<main style="max-width:560px;margin:0 auto;padding:20px 16px;background:#fff;min-height:100vh">
<div style="font-size:20px;font-weight:bold;color:${escapeHtml(brand.accentColor)}">${escapeHtml(brand.name)}</div>
${body}
</main></body></html>`
}
