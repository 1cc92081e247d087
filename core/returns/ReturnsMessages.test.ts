import { Schema } from "effect"
import { expect, it } from "vitest"
import { Bounds } from "../bounds/Bounds.ts"
import { ReturnRegistered } from "./ReturnsMessages.ts"

const rma = {
  rmaId: "R-1",
  orderId: "SO-100001",
  items: [{ sku: "ALP-MUG-01", quantity: 1, reason: "changed-mind" }],
  returnTrackingNumber: "00340434000000000099",
  deliveredAt: "2026-12-01T10:00:00Z"
}
const problem = (value: unknown) => {
  const decoded = Schema.decodeUnknownExit(ReturnRegistered)(value)
  return decoded._tag === "Success" ? "fits" : String(decoded.cause)
}

it("takes an RMA whose counts, ids and words are ones a return can have, and names the field of any other", () => {
  expect(problem(rma)).toBe("fits")
  const item = rma.items[0]!
  const cases = [
    ["quantity", { items: [{ ...item, quantity: 1_000_000_000_000 }] }],
    ["items", { items: Array.from({ length: 1_001 }, () => item) }],
    ["rmaId", { rmaId: "R".repeat(Bounds.maxIdChars + 1) }],
    ["orderId", { orderId: "S".repeat(Bounds.maxIdChars + 1) }],
    ["sku", { items: [{ ...item, sku: "A".repeat(Bounds.maxIdChars + 1) }] }],
    ["reason", { items: [{ ...item, reason: "x".repeat(Bounds.maxTextChars + 1) }] }],
    ["returnTrackingNumber", { returnTrackingNumber: "9".repeat(Bounds.maxIdChars + 1) }],
    ["deliveredAt", { deliveredAt: "2".repeat(Bounds.maxIdChars + 1) }]
  ] as const
  for (const [field, change] of cases) expect(problem({ ...rma, ...change }), field).toContain(field)
})
