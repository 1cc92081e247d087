import { describe, expect, it } from "vitest"
import { CARRIER_WORDS_MAX, carrierRefusalOf, carrierWordsOf, quotedRefusal, refusedText } from "./carrierRefusal.ts"

const json = (body: unknown) => JSON.stringify(body)

describe("the carrier's own words in a refusal's answer", () => {
  it("are read from the answer shapes label services use", () => {
    expect(carrierWordsOf(json({ error: "Postleitzahl passt nicht zum Ort" }))).toBe("Postleitzahl passt nicht zum Ort")
    expect(carrierWordsOf(json({ message: "Unknown product V99PAK" }))).toBe("Unknown product V99PAK")
    expect(carrierWordsOf(json({ error: { code: "E-ADDR", message: "Street is missing" } }))).toBe("Street is missing")
    // RFC 9457: the detail says this occurrence, the title only the kind of problem.
    expect(
      carrierWordsOf(json({ type: "https://x.example/addr", title: "Invalid address", detail: "No house number" }))
    ).toBe("No house number")
    expect(carrierWordsOf(json({ type: "https://x.example/addr", title: "Invalid address", status: 422 }))).toBe(
      "Invalid address"
    )
    // DHL Parcel DE Shipping v2: the validation messages of the shipment, with the field each names.
    expect(
      carrierWordsOf(
        json({
          status: { title: "Bad Request", statusCode: 400, detail: "Validation failed" },
          items: [
            {
              sstatus: { title: "Bad Request", statusCode: 400 },
              validationMessages: [
                {
                  property: "consignee.postalCode",
                  validationMessage: "The postal code is invalid.",
                  validationState: "Error"
                },
                { property: "consignee.city", validationMessage: "City does not match.", validationState: "Error" }
              ]
            }
          ]
        })
      )
    ).toBe("consignee.postalCode: The postal code is invalid.; consignee.city: City does not match.")
    expect(carrierWordsOf(json({ status: { title: "Unauthorized", statusCode: 401, detail: "Bad key" } }))).toBe(
      "Bad key"
    )
    // UPS: response.errors[].message.
    expect(
      carrierWordsOf(
        json({ response: { errors: [{ code: "120802", message: "Address Validation Error on ShipTo" }] } })
      )
    ).toBe("Address Validation Error on ShipTo")
    expect(carrierWordsOf(json({ errors: [{ message: "a" }, { detail: "b" }] }))).toBe("a; b")
    expect(carrierWordsOf("Postleitzahl falsch")).toBe("Postleitzahl falsch")
  })

  it("are never JSON, markup or unbounded: an answer of another shape has none the station can read", () => {
    expect(carrierWordsOf(json({ foo: 1 }))).toBeUndefined()
    expect(carrierWordsOf(json([1, 2]))).toBeUndefined()
    expect(carrierWordsOf(json({ error: json({ nested: "json" }) }))).toBeUndefined()
    expect(carrierWordsOf("<html><body><h1>422</h1></body></html>")).toBeUndefined()
    expect(carrierWordsOf('{"error":"cut off in the mid')).toBeUndefined()
    expect(carrierWordsOf("")).toBeUndefined()
    expect(carrierWordsOf(json({ error: "  two\nlines\u0007 and\ttabs " }))).toBe("two lines and tabs")
    const long = carrierWordsOf(json({ error: "x".repeat(5_000) }))!
    expect(long).toHaveLength(CARRIER_WORDS_MAX)
    expect(long.endsWith("…")).toBe(true)
  })

  it("are cut before a character of two UTF-16 units, never inside it", () => {
    const words = carrierWordsOf(json({ error: `${"a".repeat(CARRIER_WORDS_MAX - 2)}📦 left at the depot` }))!
    expect(words).toBe(`${"a".repeat(CARRIER_WORDS_MAX - 2)}…`)
    expect(words).not.toMatch(/[\uD800-\uDFFF]/u)
  })
})

describe("a refusal as the station keeps it", () => {
  it("says the status and the carrier's words, or that it gave none the station can read", () => {
    expect(refusedText("dhl-paket", "label", 422, json({ error: "Postleitzahl passt nicht zum Ort" }))).toBe(
      "dhl-paket refused the label (HTTP 422): Postleitzahl passt nicht zum Ort"
    )
    expect(refusedText("dhl-paket", "cancellation", 422, "<html></html>")).toBe(
      "dhl-paket refused the cancellation (HTTP 422) and gave no reason the station can read"
    )
  })

  it("is read back as the status and the words, also from a raw answer kept before", () => {
    expect(carrierRefusalOf("dhl-paket refused the label (HTTP 422): Postleitzahl passt nicht zum Ort")).toEqual({
      status: 422,
      words: "Postleitzahl passt nicht zum Ort"
    })
    expect(carrierRefusalOf(`dhl-paket refused the label (HTTP 422): ${json({ error: "Ort fehlt" })}`)).toEqual({
      status: 422,
      words: "Ort fehlt"
    })
    expect(carrierRefusalOf('dhl-paket refused the label (HTTP 400): {"status":{"title":"Bad Req')).toEqual({
      status: 400
    })
    expect(carrierRefusalOf("dhl-paket refused the label (HTTP 422) and gave no reason the station can read")).toEqual({
      status: 422
    })
    // Another adapter's refusal: its text is the carrier's words.
    expect(carrierRefusalOf("Postleitzahl 10115 passt nicht zum Ort")).toEqual({
      words: "Postleitzahl 10115 passt nicht zum Ort"
    })
  })
})

describe("a kept refusal quoted in a sentence", () => {
  it("is the carrier's words and status, or the kept text when it holds none", () => {
    expect(quotedRefusal("dhl-paket refused the label (HTTP 422): Ort fehlt")).toBe("Ort fehlt (HTTP 422)")
    expect(quotedRefusal(`dhl-paket refused the label (HTTP 422): ${json({ error: "Ort fehlt" })}`)).toBe(
      "Ort fehlt (HTTP 422)"
    )
    expect(quotedRefusal("Postleitzahl passt nicht")).toBe("Postleitzahl passt nicht")
    expect(quotedRefusal("dhl-paket refused the label (HTTP 422) and gave no reason the station can read")).toBe(
      "dhl-paket refused the label (HTTP 422) and gave no reason the station can read"
    )
  })
})
