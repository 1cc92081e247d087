import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeShopAnswer, OpenUnits, OrderMoney, parseShopAnswer } from "./decodeShopAnswer.ts"

const Captures = Schema.Struct({
  data: Schema.Array(Schema.Struct({ id: Schema.String, remaining: OpenUnits, refunded: OrderMoney }))
})
const decodeCaptures = decodeShopAnswer(Captures)
const failure = (answer: unknown) =>
  Effect.runPromise(Effect.flip(decodeCaptures("Shopware https://shop.example.com", "POST /search/capture", answer)))

describe("decodeShopAnswer", () => {
  it("gives the fields of an answer that fits, and nothing else", async () => {
    const answer = { total: 1, data: [{ id: "c-1", remaining: 2, refunded: "12.90", extra: { any: "thing" } }] }
    expect(await Effect.runPromise(decodeCaptures("Shopware", "POST /search/capture", answer))).toEqual({
      data: [{ id: "c-1", remaining: 2, refunded: "12.90" }]
    })
  })

  it.each([
    [{}, "data: Missing key"],
    [{ data: "x" }, "data: Expected array"],
    [null, "the answer: Expected object"],
    [undefined, "the answer: Expected object"],
    [{ data: [{ id: 7, remaining: 1, refunded: 1 }] }, "data[0].id: Expected string"]
  ])("fails %j Malformed naming the shop, the request and the field", async (answer, problem) => {
    expect(await failure(answer)).toMatchObject({
      _tag: "ShopError",
      reason: "Malformed",
      message: `Shopware https://shop.example.com: the answer to POST /search/capture cannot be used: ${problem}`
    })
  })

  it("holds amounts and units to what an order the hub takes can have, and names no value", async () => {
    const entry = { id: "c-1", remaining: 1, refunded: "1.00" }
    for (const [field, value] of [
      ["refunded", "1000000.01"],
      ["refunded", -1],
      ["refunded", "12,90"],
      ["refunded", Number.POSITIVE_INFINITY],
      ["remaining", 1000],
      ["remaining", 1.5],
      ["remaining", -1]
    ] as const) {
      const { message } = await failure({ data: [{ ...entry, [field]: value }] })
      expect(message, `${field} ${value}`).toMatch(new RegExp(`cannot be used: data\\[0\\]\\.${field}: `))
      expect(message).not.toContain(String(value))
    }
  })

  it("names the first three problems and how many more there are", async () => {
    const { message } = await failure({ data: Array.from({ length: 5 }, () => ({ id: 1, remaining: 1, refunded: 1 })) })
    expect(message).toBe(
      "Shopware https://shop.example.com: the answer to POST /search/capture cannot be used: data[0].id: Expected string; " +
        "data[1].id: Expected string; data[2].id: Expected string; and 2 more"
    )
  })
})

describe("parseShopAnswer", () => {
  it("fails a body that is no JSON Malformed, naming the shop and the request", async () => {
    expect(
      await Effect.runPromise(Effect.flip(parseShopAnswer("Shopify s", "PackbenchOrder", "<html>")))
    ).toMatchObject({
      reason: "Malformed",
      message: "Shopify s: PackbenchOrder answered with something that is not JSON"
    })
    expect(await Effect.runPromise(parseShopAnswer("Shopify s", "PackbenchOrder", '{"data":1}'))).toEqual({ data: 1 })
  })
})
