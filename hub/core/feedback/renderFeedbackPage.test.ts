import { describe, expect, it } from "vitest"
import { defaultBrands } from "../notify/templates/Brand.ts"
import { renderFeedbackPage } from "./renderFeedbackPage.ts"

const brand = defaultBrands[0]!

describe("feedback page", () => {
  it("asks in German with five choices, the mail's choice preselected, and the reason after a refused post", () => {
    const html = renderFeedbackPage({ orderId: "SO-9", brand: "alpenglow", locale: "de", answer: undefined }, brand, {
      type: "form",
      preselected: 2,
      invalid: "rating"
    })
    expect(html).toContain('lang="de"')
    expect(html).toContain("Wie zufrieden sind Sie?")
    expect(html).toContain("Mit Ihrer Bestellung SO-9")
    expect(html.match(/type="radio" name="rating"/g)).toHaveLength(5)
    expect(html).toContain('value="2" required checked')
    expect(html).toContain("Bitte wählen Sie eine Bewertung von 1 bis 5.")
    expect(html).not.toContain("<script")
  })

  it("offers a comment refused for its control characters again without them, with why, in German", () => {
    const html = renderFeedbackPage({ orderId: "SO-9", brand: "alpenglow", locale: "de", answer: undefined }, brand, {
      type: "form",
      preselected: 3,
      invalid: "comment",
      comment: "\nzu <spät>"
    })
    expect(html).toContain("Ihr Kommentar enthielt unsichtbare Steuerzeichen")
    expect(html).toContain('value="3" required checked')
    // The parser drops a textarea's first line break: the comment's own comes after the one written for it.
    expect(html).toContain(">\n\nzu &lt;spät&gt;</textarea>")
  })

  it("shows a stored answer, escaped, instead of the form", () => {
    const html = renderFeedbackPage(
      { orderId: "SO-9", brand: "alpenglow", locale: "en", answer: { rating: 2, comment: "<b>late</b>" } },
      brand,
      { type: "answered", justNow: false }
    )
    expect(html).toContain("You have already rated this order")
    expect(html).toContain("&lt;b&gt;late&lt;/b&gt;")
    expect(html).not.toContain("<form")
  })
})
