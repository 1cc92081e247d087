import { describe, expect, it } from "vitest"
import { redactCustomerData, SHOP_WORDS_MAX, shopErrorWordsOf, shopWords } from "./shopErrorWords.ts"

const json = (body: unknown) => JSON.stringify(body)

describe("a customer's data in a shop's words", () => {
  it("is taken out: e-mail addresses, phone numbers, street address lines and postal towns", () => {
    expect(redactCustomerData("mail mia.berg+shop@mail.example.co.uk now")).toBe("mail [e-mail] now")
    for (const phone of ["+49 40 1234 5678", "040/1234567", "(040) 123-4567", "+4940123456789", "0401234567"]) {
      expect(redactCustomerData(`call ${phone}.`), phone).toBe("call [phone].")
    }
    for (const street of [
      "Hafenstraße 11",
      "Am Alten Hafen Weg 3a",
      "Baker Street 221b",
      "221b Baker Street",
      "12 Main St."
    ]) {
      expect(redactCustomerData(`ship to ${street}`), street).toBe("ship to [address]")
    }
    expect(redactCustomerData("in 20459 Hamburg")).toBe("in [address]")
    expect(redactCustomerData("in D-20459 Hamburg-Altona")).toBe("in [address]")
  })

  it("leaves what is no customer's data: ids, amounts, dates, error codes, quantities", () => {
    for (const text of [
      "order gid://shopify/Order/5678901234 is closed",
      "refund of 1234.56 EUR exceeds 999.00",
      "changed on 2026-12-05",
      "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
      "line 3 has 2 units left",
      "HTTP 422 Unprocessable Entity"
    ]) {
      expect(redactCustomerData(text), text).toBe(text)
    }
  })
})

describe("a shop's words", () => {
  it("are one line, bounded, and never JSON or markup", () => {
    expect(shopWords("  two\nlines\u0007 and\ttabs ")).toBe("two lines and tabs")
    expect(shopWords("x".repeat(5_000))).toHaveLength(SHOP_WORDS_MAX)
    expect(shopWords('{"order":1}')).toBeUndefined()
    expect(shopWords("<p>no</p>")).toBeUndefined()
    expect(shopWords("[API] Invalid API key or access token")).toBe("[API] Invalid API key or access token")
    expect(shopWords("\uFFFD\uFFFD")).toBeUndefined()
  })

  it("are cut before a character of two UTF-16 units, never inside it", () => {
    const long = `${"a".repeat(SHOP_WORDS_MAX - 2)}📦 out of stock`
    expect(shopWords(long)).toBe(`${"a".repeat(SHOP_WORDS_MAX - 2)}…`)
    const joined = shopErrorWordsOf("shopify", json({ errors: ["b".repeat(SHOP_WORDS_MAX - 4), "📦📦"] }))!
    expect(joined).toBe(`${"b".repeat(SHOP_WORDS_MAX - 4)}; …`)
    expect(joined).not.toMatch(/[\uD800-\uDFFF]/u)
  })

  it("are read from each shop's documented error shape only", () => {
    expect(shopErrorWordsOf("shopify", json({ errors: "[API] Invalid API key or access token" }))).toBe(
      "[API] Invalid API key or access token"
    )
    expect(shopErrorWordsOf("shopify", json({ errors: ["Not Found", "Locked"] }))).toBe("Not Found; Locked")
    expect(shopErrorWordsOf("shopify", json({ errors: { email: ["is invalid"], base: ["Locked"] } }))).toBe(
      "email is invalid; base Locked"
    )
    expect(shopErrorWordsOf("shopify", json({ errors: [{ message: "Throttled" }] }))).toBe("Throttled")
    expect(
      shopErrorWordsOf(
        "shopware",
        json({ errors: [{ code: "FRAMEWORK__ENTITY_NOT_FOUND", title: "Not Found", detail: "order not found" }] })
      )
    ).toBe("FRAMEWORK__ENTITY_NOT_FOUND: order not found")
    expect(shopErrorWordsOf("shopware", json({ errors: [{ code: "9", title: "Unauthorized" }] }))).toBe(
      "9: Unauthorized"
    )
    expect(
      shopErrorWordsOf("woocommerce", json({ code: "woocommerce_rest_cannot_view", message: "Sorry.", data: {} }))
    ).toBe("woocommerce_rest_cannot_view: Sorry.")
    expect(shopErrorWordsOf("webhook", json({ message: "order locked" }))).toBe("order locked")
    // Another shop's shape, or none, gives nothing.
    expect(shopErrorWordsOf("woocommerce", json({ errors: [{ detail: "x" }] }))).toBeUndefined()
    expect(shopErrorWordsOf("shopware", json({ message: "x" }))).toBeUndefined()
    expect(shopErrorWordsOf("shopify", "Forbidden")).toBeUndefined()
    expect(shopErrorWordsOf("shopify", json(["errors"]))).toBeUndefined()
    expect(shopErrorWordsOf("shopware", json({ errors: [{ code: { nested: 1 }, detail: 7 }] }))).toBeUndefined()
    expect(
      shopErrorWordsOf("shopify", json({ errors: Array.from({ length: 100 }, () => "y".repeat(100)) }))
    ).toHaveLength(SHOP_WORDS_MAX)
  })
})
