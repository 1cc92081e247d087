import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { RefusalCode, refusalReasons } from "../../../core/api/StationApi.ts"
import { CatalogItem } from "../../../core/catalog/CatalogItem.ts"
import { Order } from "../../../core/orders/Order.ts"
import { BoxCatalog } from "../../../core/pack/Box.ts"
import type { Refusal } from "../../../core/pack/PackRefusal.ts"
import {
  applyScan,
  chooseBox,
  enterWeight,
  idleSession,
  type PackLookup,
  type PackOutcome,
  type PackSession,
  readyToComplete,
  setQuantity,
  shortShip,
  undoLastScan
} from "../../../core/pack/PackSession.ts"
import { identifyScan } from "../../../core/scan/identify.ts"
import { de } from "./de.ts"
import { describeRefusal, describeRefusalReason, parseRefusal } from "./describeRefusal.ts"
import { en } from "./en.ts"
import { makeTranslator } from "./Translator.ts"

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort()
const template = (table: Readonly<Record<string, string>>, code: string, variant: string) =>
  table[`refusal.${code}.${variant}`]

describe("describeRefusal", () => {
  it("has a translation for every refusal code the bench documents", () => {
    const missing = RefusalCode.literals.filter((code) => !Object.hasOwn(de, `refusal.${code}`))
    expect(missing).toEqual([])
  })

  it("translates a known code and falls back to the station's reason for a new one", () => {
    const t = makeTranslator("en")
    expect(describeRefusal(t, { code: "wrong-item", reason: "x" })).toBe("Wrong item – not part of this order")
    expect(describeRefusal(t, { code: "from-the-future", reason: "Station says no" })).toBe("Station says no")
  })

  it("reads the code and reason out of a routed scan's message", () => {
    expect(parseRefusal("surplus: Order SO-1 needs only 2: this one is extra")).toEqual({
      code: "surplus",
      reason: "Order SO-1 needs only 2: this one is extra"
    })
    expect(parseRefusal("pack:order-open")).toBeUndefined()
  })
})

describe("describeRefusalReason", () => {
  it("has a German and an English reason for every code and variant the station sends, with its facts", () => {
    const problems = RefusalCode.literals.flatMap((code) =>
      Object.entries(refusalReasons[code] as Readonly<Record<string, string>>).flatMap(([variant, english]) =>
        Object.entries({ de, en }).flatMap(([language, table]) => {
          const text = template(table, code, variant)
          if (text === undefined) return [`${language} lacks refusal.${code}.${variant}`]
          return placeholders(text).join() === placeholders(english).join()
            ? []
            : [`${language} refusal.${code}.${variant} uses {${placeholders(text).join("}{")}}`]
        })
      )
    )
    expect(problems).toEqual([])
  })

  const fixture = (name: string) =>
    JSON.parse(readFileSync(join(import.meta.dirname, "../../../fixtures/data", name), "utf8"))
  const catalog = Schema.decodeUnknownSync(Schema.Array(CatalogItem))(fixture("catalog.json"))
  const orders = Schema.decodeUnknownSync(Schema.Array(Order))(fixture("orders.json"))
  const boxes = Schema.decodeUnknownSync(BoxCatalog)(fixture("boxes.json"))
  const lookup: PackLookup = {
    order: (orderId) =>
      orderId === "SO-HOLD"
        ? { ...orders[0]!, orderId, status: "on-hold" }
        : orderId === "SO-SHIPPED"
          ? { ...orders[0]!, orderId, status: "shipped" }
          : orders.find((order) => order.orderId === orderId),
    toteOrder: () => undefined,
    itemBySku: (sku) => catalog.find((item) => item.sku === sku),
    itemByGtin: (gtin) => catalog.find((item) => item.gtin.padStart(14, "0") === gtin),
    beyondBoundsBySku: () => undefined,
    beyondBoundsByGtin: () => undefined,
    openOrdersWanting: (sku) =>
      orders
        .filter((order) => order.status === "open" && order.lines.some((line) => line.sku === sku))
        .map((order) => order.orderId),
    serialPacked: () => false,
    boxes
  }
  const scan = (session: PackSession, raw: string) => applyScan(session, identifyScan(raw), lookup)
  const gtinOf = (sku: string) => catalog.find((item) => item.sku === sku)!.gtin
  const accepted = (outcome: PackOutcome) => {
    if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.reason}`)
    return outcome.session
  }
  const refused = (outcome: PackOutcome): Refusal => {
    if (outcome.ok) throw new Error(`accepted in step ${outcome.session.step}`)
    return outcome.refusal
  }
  const manager = { badgeId: "B-1", role: "manager" } as const

  /** Refusals the bench's own state machine gives for real inputs, one per kind of mistake it catches. */
  const realRefusals = (): ReadonlyArray<Refusal> => {
    const open = accepted(scan(idleSession, "SO-100001"))
    const mug = accepted(scan(open, gtinOf("ALP-MUG-01")))
    const verified = accepted(scan(accepted(scan(mug, gtinOf("ALP-MUG-01"))), gtinOf("ALP-SOCK-M")))
    const boxed = accepted(chooseBox(verified, boxes[0]!.boxId, boxes))
    return [
      refused(scan(idleSession, "SO-999999")),
      refused(scan(idleSession, "SO-HOLD")),
      refused(scan(idleSession, "SO-SHIPPED")),
      refused(scan(open, "SO-100001")),
      refused(scan(open, "SO-100002")),
      refused(scan(open, gtinOf("ALP-BTL-05"))),
      refused(scan(open, gtinOf("ALP-MAP-DE"))),
      refused(scan(open, "4260123450991")),
      refused(scan(open, "ABC-NOT-A-CODE")),
      refused(scan(open, "4260123450015")),
      refused(scan(verified, gtinOf("ALP-MUG-01"))),
      refused(setQuantity(mug, 0)),
      refused(setQuantity(mug, 5)),
      refused(setQuantity(open, 2)),
      refused(undoLastScan(open)),
      refused(undoLastScan(idleSession)),
      refused(shortShip(open, { lineId: "1", reason: "broken", operator: { badgeId: "B-2", role: "packer" } })),
      refused(shortShip(open, { lineId: "9", reason: "broken", operator: manager })),
      refused(shortShip(open, { lineId: "1", reason: " ", operator: manager })),
      refused(chooseBox(open, boxes[0]!.boxId, boxes)),
      refused(chooseBox(verified, "NO-SUCH-BOX", boxes)),
      refused(enterWeight(open, 500, "typed")),
      refused(enterWeight(verified, 500, "typed")),
      refused(enterWeight(boxed, -3, "typed")),
      refused(enterWeight(boxed, 99_000, "typed")),
      refused(readyToComplete(boxed))
    ]
  }

  it("words every real refusal of the bench in German and English from exactly the facts it carries", () => {
    const refusals = realRefusals()
    expect(new Set(refusals.map((refusal) => refusal.code)).size).toBeGreaterThan(15)
    for (const refusal of refusals) {
      const name = `${refusal.code}.${refusal.variant}`
      for (const [language, table] of Object.entries({ de, en })) {
        const text = template(table, refusal.code, refusal.variant)
        expect(text, `${language} ${name}`).toBeDefined()
        expect(placeholders(text!), `${language} ${name}`).toEqual(Object.keys(refusal.params).sort())
      }
      const german = describeRefusalReason(makeTranslator("de"), refusal)
      expect(german, name).not.toMatch(/[{}]/)
      expect(german, name).not.toBe(refusal.reason)
    }
  })

  it("shows an item's catalog name, a status and a carrier in the bench's language", () => {
    const t = makeTranslator("de")
    const open = accepted(scan(idleSession, "SO-100001"))
    expect(describeRefusalReason(t, refused(scan(open, gtinOf("ALP-BTL-05"))))).toBe(
      "Trinkflasche 0,75 l (ALP-BTL-05) gehört zu Auftrag SO-100002, nicht zu SO-100001"
    )
    expect(describeRefusalReason(t, refused(scan(idleSession, "SO-SHIPPED")))).toBe(
      "Auftrag SO-SHIPPED ist schon versandt"
    )
    expect(
      describeRefusalReason(t, {
        code: "parcel-other-carrier",
        variant: "reason",
        params: { parcelId: "P-1", carrier: "dhl-paket", batchCarrier: "ups" },
        reason: "Parcel P-1 goes with dhl-paket, not ups: put it with its carrier"
      })
    ).toBe("Paket P-1 geht mit DHL Paket, nicht mit UPS: zu seinem Spediteur legen")
  })

  it("words a scan that is no code, and a GTIN whose check digit fails, in German with no English in it", () => {
    const open = accepted(scan(idleSession, "SO-100001"))
    const t = makeTranslator("de")
    expect(describeRefusalReason(t, refused(scan(open, "ABC-NOT-A-CODE")))).toBe(
      "Kein Code, den die Station kennt (keine GTIN, kein GS1-Code, keine Sendungsnummer, kein Packbench-Code, keine bekannte SKU): Etikett neu scannen oder Code abtippen (F6)"
    )
    expect(describeRefusalReason(t, refused(scan(open, "4260123450015")))).toBe(
      "Die Prüfziffer von 04260123450015 stimmt nicht, der Code wurde falsch gelesen: neu scannen oder Code abtippen (F6)"
    )
  })

  it("words a refused call by its error code, and keeps the station's English reason when it has no template", () => {
    const t = makeTranslator("de")
    expect(describeRefusalReason(t, { code: "not-signed-in", reason: "Scan your badge first" })).toBe(
      "Bitte zuerst Badge scannen."
    )
    expect(describeRefusalReason(t, { code: "from-a-newer-station", reason: "Something new" })).toBe("Something new")
    expect(
      describeRefusalReason(t, { code: "surplus", variant: "from-the-future", params: {}, reason: "Too many" })
    ).toBe("Too many")
  })
})
