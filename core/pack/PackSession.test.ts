import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { CatalogItem } from "../catalog/CatalogItem.ts"
import { Order } from "../orders/Order.ts"
import { identifyScan } from "../scan/identify.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { BoxCatalog } from "./Box.ts"
import {
  applyScan,
  chooseBox,
  enterWeight,
  expectedWeightGrams,
  idleSession,
  type PackLookup,
  type PackOutcome,
  type PackSession,
  packedLines,
  readyToComplete,
  remainingQuantity,
  setQuantity,
  shortShip,
  undoLastScan
} from "./PackSession.ts"

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/data", name), "utf8"))
const catalog = Schema.decodeUnknownSync(Schema.Array(CatalogItem))(fixture("catalog.json"))
const orders = Schema.decodeUnknownSync(Schema.Array(Order))(fixture("orders.json"))
const boxes = Schema.decodeUnknownSync(BoxCatalog)(fixture("boxes.json"))

const skuCodes = new Map<string, string>(
  catalog.flatMap((item) => [[item.sku, item.sku] as const, ...item.aliases.map((alias) => [alias, item.sku] as const)])
)

const lookup = (overrides: Partial<PackLookup> = {}): PackLookup => ({
  order: (orderId) => orders.find((order) => order.orderId === orderId),
  toteOrder: (toteId) => (toteId === "T-0042" ? "SO-100001" : undefined),
  itemBySku: (sku) => catalog.find((item) => item.sku === sku),
  itemByGtin: (gtin) => catalog.find((item) => item.gtin.padStart(14, "0") === gtin),
  beyondBoundsBySku: () => undefined,
  beyondBoundsByGtin: () => undefined,
  openOrdersWanting: (sku) =>
    orders
      .filter((order) => order.status === "open" && order.lines.some((line) => line.sku === sku))
      .map((order) => order.orderId),
  serialPacked: () => false,
  boxes,
  ...overrides
})

/** The fixtures plus one made-up open order, for quantities the sample orders do not have. */
const withOrder = (orderId: string, sku: string, quantity: number): PackLookup => {
  const base = lookup()
  return lookup({
    order: (id) =>
      id === orderId
        ? { ...orders[0]!, orderId, lines: [{ lineId: "1", sku, quantity, unitPrice: 1 }] }
        : base.order(id)
  })
}

const scan = (raw: string) => identifyScan(raw, { resolveSku: (code) => skuCodes.get(code.toUpperCase()) })
const orderCode = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}
const gtinOf = (sku: string) => catalog.find((item) => item.sku === sku)!.gtin

const ok = (outcome: PackOutcome): PackSession => {
  if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.code} ${outcome.refusal.reason}`)
  return outcome.session
}
const refusal = (outcome: PackOutcome) => {
  if (outcome.ok) throw new Error(`accepted in step ${outcome.session.step}`)
  return outcome.refusal
}

const steps = (start: PackSession, raws: ReadonlyArray<string>, look = lookup()) =>
  raws.reduce((session, raw) => ok(applyScan(session, scan(raw), look)), start)

const open = (orderId: string) => ok(applyScan(idleSession, scan(orderCode(orderId)), lookup()))
const manager = { badgeId: "B-9001", role: "manager" as const }

describe("opening an order", () => {
  it("opens from the pick slip code, a plain order id and a tote", () => {
    for (const raw of [orderCode("SO-100001"), "so-100001", `PB:TOTE:T-0042:${tote()}`]) {
      const session = ok(applyScan(idleSession, scan(raw), lookup()))
      expect(session.step).toBe("order-open")
      expect(session.order?.orderId).toBe("SO-100001")
      expect(session.lines.map((line) => [line.item.sku, remainingQuantity(session, line)])).toEqual([
        ["ALP-MUG-01", 2],
        ["ALP-SOCK-M", 1]
      ])
    }
  })

  it.each([
    ["SO-100007", "order-cancelled"],
    ["SO-100012", "order-on-hold"],
    ["SO-999999", "order-unknown"]
  ])("refuses %s with %s", (orderId, code) => {
    const outcome = applyScan(idleSession, scan(orderCode(orderId)), lookup())
    expect(refusal(outcome).code).toBe(code)
    expect(outcome.session).toBe(idleSession)
  })

  it("refuses orders on address hold or already packed, unknown totes and misread codes", () => {
    const withStatus = (status: Order["status"]) =>
      lookup({ order: (id) => ({ ...orders.find((order) => order.orderId === id)!, status }) })
    expect(refusal(applyScan(idleSession, scan(orderCode("SO-100001")), withStatus("address-hold"))).code).toBe(
      "order-address-hold"
    )
    expect(refusal(applyScan(idleSession, scan(orderCode("SO-100001")), withStatus("packed"))).code).toBe(
      "order-already-packed"
    )
    expect(refusal(applyScan(idleSession, scan(`PB:TOTE:T-0001:${tote("T-0001")}`), lookup())).code).toBe(
      "order-unknown"
    )
    expect(refusal(applyScan(idleSession, scan("PB:ORDER:SO-100001:1"), lookup())).code).toBe("scan-unreadable")
  })

  it("refuses an item before any order and another order while one is open", () => {
    expect(refusal(applyScan(idleSession, scan(gtinOf("ALP-MUG-01")), lookup())).code).toBe("no-order-open")
    const session = open("SO-100001")
    expect(refusal(applyScan(session, scan(orderCode("SO-100002")), lookup())).code).toBe("order-in-progress")
    expect(refusal(applyScan(session, scan("SO-100002"), lookup())).code).toBe("order-in-progress")
    expect(refusal(applyScan(session, scan(orderCode("SO-100001")), lookup())).code).toBe("order-already-open")
  })
})

const tote = (id = "T-0042") => {
  const encoded = encodePackbenchCode("tote", id)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code.split(":").at(-1)
}

describe("verifying items", () => {
  it("accepts EAN-13, GTIN-14, SKU alias and GS1 element strings and reaches all-verified", () => {
    const session = steps(open("SO-100001"), [
      gtinOf("ALP-MUG-01"),
      "MUG1",
      `01${gtinOf("ALP-SOCK-M").padStart(14, "0")}`
    ])
    expect(session.step).toBe("all-verified")
    expect(session.lines.every((line) => remainingQuantity(session, line) === 0)).toBe(true)
    expect(session.verifications.map((v) => [v.lineId, v.sku])).toEqual([
      ["1", "ALP-MUG-01"],
      ["1", "ALP-MUG-01"],
      ["2", "ALP-SOCK-M"]
    ])
  })

  it("names the other open order an item belongs to, and refuses items of no open order", () => {
    const session = open("SO-100001")
    const other = refusal(applyScan(session, scan(gtinOf("ALP-GPS-X1")), lookup()))
    expect(other).toMatchObject({ code: "other-order-item", otherOrderId: "SO-100003" })
    expect(other.reason).toContain("SO-100003")
    // ALP-SOCK-L is only on the cancelled SO-100007.
    expect(refusal(applyScan(session, scan(gtinOf("ALP-SOCK-L")), lookup())).code).toBe("wrong-item")
  })

  it("refuses unknown items, misread GTINs, non-item codes and surplus", () => {
    const session = open("SO-100001")
    expect(refusal(applyScan(session, scan("4006381333931"), lookup())).code).toBe("item-unknown")
    expect(refusal(applyScan(session, scan("4260123450015"), lookup())).code).toBe("scan-unreadable")
    expect(refusal(applyScan(session, scan("BOX-S"), lookup())).code).toBe("not-all-verified")
    const full = steps(session, [gtinOf("ALP-MUG-01"), gtinOf("ALP-MUG-01")])
    const extra = refusal(applyScan(full, scan(gtinOf("ALP-MUG-01")), lookup()))
    expect(extra.code).toBe("surplus")
    expect(extra.reason).toContain("only 2")
  })

  it("needs the serial of serialised items and refuses a serial seen before", () => {
    const session = open("SO-100003")
    const gtin = gtinOf("ALP-GPS-X1").padStart(14, "0")
    expect(refusal(applyScan(session, scan(gtin), lookup())).code).toBe("serial-missing")
    const verified = ok(applyScan(session, scan(`01${gtin}21SN-0001`), lookup()))
    expect(verified.step).toBe("all-verified")
    expect(packedLines(verified)[0]?.serials).toEqual(["SN-0001"])
    const packedBefore = lookup({ serialPacked: (sku, serial) => sku === "ALP-GPS-X1" && serial === "SN-0001" })
    expect(refusal(applyScan(session, scan(`01${gtin}21SN-0001`), packedBefore)).code).toBe("duplicate-serial")
  })

  it("refuses the same serial twice within one order", () => {
    const twoTrackers = withOrder("SO-200000", "ALP-GPS-X1", 2)
    const gtin = gtinOf("ALP-GPS-X1").padStart(14, "0")
    const session = steps(ok(applyScan(idleSession, scan("SO-200000"), twoTrackers)), [`01${gtin}21A1`], twoTrackers)
    expect(refusal(applyScan(session, scan(`01${gtin}21A1`), twoTrackers)).code).toBe("duplicate-serial")
    expect(ok(applyScan(session, scan(`01${gtin}21A2`), twoTrackers)).step).toBe("all-verified")
  })

  it("needs the lot of lot-controlled items and counts units per lot", () => {
    const session = steps(open("SO-100004"), [gtinOf("ALP-CUP-SET")])
    const gtin = gtinOf("ALP-SUN-50").padStart(14, "0")
    expect(refusal(applyScan(session, scan(gtin), lookup())).code).toBe("lot-missing")
    const done = steps(session, [`01${gtin}10L24A\u001d`, `(01)${gtin}(10)L24B`])
    expect(done.step).toBe("all-verified")
    expect(packedLines(done)[1]?.lots).toEqual([
      { lot: "L24A", quantity: 1 },
      { lot: "L24B", quantity: 1 }
    ])
  })
})

describe("quantities and undo", () => {
  const bigOrder = withOrder("SO-300000", "ALP-MAP-DE", 12)

  it("scan once, type 12", () => {
    const session = steps(ok(applyScan(idleSession, scan("SO-300000"), bigOrder)), [gtinOf("ALP-MAP-DE")], bigOrder)
    expect(refusal(setQuantity(session, 13)).code).toBe("surplus")
    expect(refusal(setQuantity(session, 0)).code).toBe("quantity-invalid")
    expect(refusal(setQuantity(session, 2.5)).code).toBe("quantity-invalid")
    const counted = ok(setQuantity(session, 12))
    expect(counted.step).toBe("all-verified")
    expect(counted.verifications).toHaveLength(1)
    expect(packedLines(counted)[0]?.quantity).toBe(12)
    expect(ok(setQuantity(counted, 5)).step).toBe("order-open")
  })

  it("refuses a count with no scan before it and for serialised items", () => {
    expect(refusal(setQuantity(open("SO-100001"), 2)).code).toBe("nothing-to-count")
    const gtin = gtinOf("ALP-GPS-X1").padStart(14, "0")
    const serial = steps(open("SO-100003"), [`01${gtin}21X`])
    expect(refusal(setQuantity(serial, 1)).code).toBe("quantity-needs-scans")
  })

  it("undoes exactly the last scan, including a typed count, and clears the weight", () => {
    const verified = steps(open("SO-100001"), [gtinOf("ALP-MUG-01"), gtinOf("ALP-MUG-01"), gtinOf("ALP-SOCK-M")])
    const weighed = ok(
      enterWeight(
        ok(chooseBox(verified, "S", boxes)),
        expectedWeightGrams(ok(chooseBox(verified, "S", boxes))),
        "typed"
      )
    )
    const undone = ok(undoLastScan(weighed))
    expect(undone.step).toBe("order-open")
    expect(undone.weight).toBeUndefined()
    expect(undone.verifications).toHaveLength(2)
    expect(undone.box?.boxId).toBe("S")
    const again = steps(undone, [gtinOf("ALP-SOCK-M")])
    expect(again.step).toBe("parcel")
    expect(refusal(undoLastScan(open("SO-100001"))).code).toBe("nothing-to-undo")
    expect(refusal(undoLastScan(idleSession)).code).toBe("no-order-open")
  })
})

describe("short ship", () => {
  const packer = { badgeId: "B-1001", role: "packer" as const }

  it("is for managers only, needs a reason and a line with something left", () => {
    const session = steps(open("SO-100001"), [gtinOf("ALP-MUG-01")])
    expect(refusal(shortShip(session, { lineId: "1", reason: "broken", operator: packer })).code).toBe(
      "manager-required"
    )
    expect(refusal(shortShip(session, { lineId: "1", reason: "  ", operator: manager })).code).toBe("reason-required")
    expect(refusal(shortShip(session, { lineId: "9", reason: "x", operator: manager })).code).toBe("line-unknown")
    const shorted = ok(shortShip(session, { lineId: "1", reason: "second mug broken", operator: manager }))
    expect(shorted.shortShips).toEqual([{ lineId: "1", quantity: 1, reason: "second mug broken", badgeId: "B-9001" }])
    expect(refusal(shortShip(shorted, { lineId: "1", reason: "x", operator: manager })).code).toBe("line-complete")
    const done = steps(shorted, [gtinOf("ALP-SOCK-M")])
    expect(done.step).toBe("all-verified")
    expect(packedLines(done).map((line) => [line.quantity, line.shortShipped])).toEqual([
      [1, 1],
      [1, 0]
    ])
  })

  it("leaves nothing to box when every line ships short", () => {
    const all = ok(shortShip(open("SO-100003"), { lineId: "1", reason: "no stock", operator: manager }))
    expect(all.step).toBe("all-verified")
    expect(refusal(chooseBox(all, "S", boxes)).code).toBe("parcel-empty")
  })
})

describe("box and weight", () => {
  const verified = () => steps(open("SO-100001"), [gtinOf("ALP-MUG-01"), gtinOf("ALP-MUG-01"), gtinOf("ALP-SOCK-M")])

  it("takes a box by its barcode or id and expects items plus tare", () => {
    const byScan = steps(verified(), ["box-m"])
    expect(byScan.step).toBe("parcel")
    expect(byScan.box?.boxId).toBe("M")
    expect(expectedWeightGrams(byScan)).toBe(310 * 2 + 90 + 280)
    expect(refusal(chooseBox(verified(), "XXL", boxes)).code).toBe("box-unknown")
    expect(refusal(chooseBox(open("SO-100001"), "S", boxes)).code).toBe("not-all-verified")
  })

  it("names what is still to scan when the parcel is closed too early: every unit left and the first line's item", () => {
    const oneMug = ok(applyScan(open("SO-100001"), scan(gtinOf("ALP-MUG-01")), lookup()))
    const early = refusal(readyToComplete(oneMug))
    expect(early.code).toBe("not-all-verified")
    expect(early.params).toMatchObject({ units: 2, sku: "ALP-MUG-01" })
    expect(early.reason).toMatch(
      /^Not verified yet: 2 left, first .+ \(ALP-MUG-01\) – scan them, or short-ship the rest/
    )
    const socksLeft = ok(applyScan(oneMug, scan(gtinOf("ALP-MUG-01")), lookup()))
    expect(refusal(readyToComplete(socksLeft)).params).toMatchObject({ units: 1, sku: "ALP-SOCK-M" })
  })

  it("accepts a weight within max(5 %, 50 g) and refuses one outside", () => {
    const parcel = ok(chooseBox(verified(), "S", boxes))
    const expected = 310 * 2 + 90 + 150
    expect(refusal(enterWeight(verified(), expected, "typed")).code).toBe("no-box")
    expect(refusal(enterWeight(open("SO-100001"), expected, "typed")).code).toBe("not-all-verified")
    expect(refusal(readyToComplete(parcel)).code).toBe("no-weight")
    expect(ok(enterWeight(parcel, expected + 50, "scale")).weight).toEqual({
      grams: expected + 50,
      source: "scale",
      expectedGrams: expected,
      toleranceGrams: 50
    })
    const heavy = refusal(enterWeight(parcel, expected + 51, "scale"))
    expect(heavy.code).toBe("weight-out-of-tolerance")
    expect(heavy.reason).toContain(`${expected} g`)
    expect(refusal(enterWeight(parcel, expected - 51, "typed")).code).toBe("weight-out-of-tolerance")
    expect(refusal(enterWeight(parcel, 0, "typed")).code).toBe("weight-invalid")
    expect(ok(readyToComplete(ok(enterWeight(parcel, expected, "typed")))).step).toBe("parcel")
  })

  it("uses 5 % once that is more than 50 g and refuses more than the box takes", () => {
    const heavyOrder = withOrder("SO-400000", "ALP-BAG-20", 8)
    const bags = ok(
      setQuantity(steps(ok(applyScan(idleSession, scan("SO-400000"), heavyOrder)), ["DAYPACK20"], heavyOrder), 8)
    )
    const inM = ok(chooseBox(bags, "M", boxes))
    expect(expectedWeightGrams(inM)).toBe(8 * 680 + 280)
    expect(ok(enterWeight(inM, 5720 + 286, "scale")).weight?.toleranceGrams).toBe(286)
    expect(refusal(enterWeight(inM, 5720 + 287, "scale")).code).toBe("weight-out-of-tolerance")
    expect(refusal(enterWeight(inM, 5720 - 287, "scale")).code).toBe("weight-out-of-tolerance")
    const inS = ok(chooseBox(bags, "S", boxes))
    expect(refusal(enterWeight(inS, 8 * 680 + 150, "scale")).code).toBe("box-overweight")
  })

  it("refuses to weigh a parcel holding an item stored with a weight no item has, naming it, until it is out", () => {
    // As a version before the catalog's bounds may have stored it (see StoredCatalogItem).
    const sock = { ...catalog.find((item) => item.sku === "ALP-SOCK-M")!, weightGrams: Number.MAX_SAFE_INTEGER }
    const base = lookup()
    const look = lookup({
      itemBySku: (sku) => (sku === sock.sku ? sock : base.itemBySku(sku)),
      itemByGtin: (gtin) => (gtin === sock.gtin.padStart(14, "0") ? sock : base.itemByGtin(gtin))
    })
    const opened = ok(applyScan(idleSession, scan(orderCode("SO-100001")), look))
    const verifiedAll = steps(opened, [gtinOf("ALP-MUG-01"), gtinOf("ALP-MUG-01"), gtinOf("ALP-SOCK-M")], look)
    const parcel = ok(chooseBox(verifiedAll, "S", boxes))
    expect(refusal(enterWeight(parcel, 310 * 2 + 90 + 150, "scale"))).toMatchObject({
      code: "weight-unknown",
      params: { sku: "ALP-SOCK-M", itemGrams: Number.MAX_SAFE_INTEGER }
    })
    const sockLine = parcel.lines.find((line) => line.item.sku === sock.sku)!.lineId
    const withoutSock = ok(
      shortShip(ok(undoLastScan(parcel)), { lineId: sockLine, reason: "weight unknown", operator: manager })
    )
    expect(ok(enterWeight(withoutSock, 310 * 2 + 150, "scale")).weight?.expectedGrams).toBe(310 * 2 + 150)
  })

  it("refuses to weigh a parcel in a box stored with a tare or limit no box has, naming the box", () => {
    // As a version before the box catalog's bounds may have stored it.
    const stored = { ...boxes[0]!, tareGrams: Number.MAX_SAFE_INTEGER }
    expect(refusal(enterWeight(ok(chooseBox(verified(), stored.boxId, [stored])), 900, "scale"))).toMatchObject({
      code: "weight-unknown",
      variant: "box",
      params: { boxId: stored.boxId, tareGrams: Number.MAX_SAFE_INTEGER }
    })
  })
})
