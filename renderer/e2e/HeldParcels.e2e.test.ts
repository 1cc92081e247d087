import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Order } from "../../core/orders/Order.ts"
import { freePort } from "../../drivers/net/LoopbackPort.ts"
import { type LabelServiceSimulator, startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import type { FakeOrder } from "../../fixtures/shops/FakeShopCore.ts"
import { type FakeShop, startFakeShop } from "../../fixtures/shops/FakeShops.ts"
import { sampleOrder } from "../../hub/drivers/connectors/shopConformance.suite.ts"
import { closeParcel, completeParcel, openOrder, signIn, typeKeys, verifyLines } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const API_KEY = "e2e-dhl-key"

let opened: StationInBrowser | undefined
let shop: FakeShop | undefined
let service: LabelServiceSimulator | undefined
let configDir = ""
let page: Page

/** One shop order packed at the bench: the shop's record of it and the parcel the station packed for it. */
interface Packed {
  readonly placed: FakeOrder
  readonly orderId: string
  readonly parcelId: string
}
const packed: Array<Packed> = []

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** One enamel mug for Mia Berg in Hamburg, with DHL Paket: one scan, box S, 310 g + 150 g tare. */
const mugOrder = (n: number): Order => ({
  ...sampleOrder(n),
  lines: [{ lineId: "1", sku: "ALP-MUG-01", gtin: MUG, quantity: 1, unitPrice: 12.9 }],
  payment: { method: "card", currency: "EUR", total: 12.9 }
})

const mugLine = [{ sku: "ALP-MUG-01", scan: MUG, quantity: 1 }]

/** The held parcels as the station lists them (`pack.held`): order and reason, in the card's order. */
const heldReasons = async () => {
  const answer = await opened!.station.call("pack.held", { limit: 50 })
  if (!answer.ok) throw new Error(`pack.held failed: ${JSON.stringify(answer)}`)
  const value = answer.value as {
    readonly parcels: ReadonlyArray<{ readonly orderId: string; readonly reason: string }>
  }
  return value.parcels.map((parcel) => [parcel.orderId, parcel.reason])
}

/** The orders the station would let the packer pack now. */
const openOrders = async () => {
  const answer = (await opened!.station.call("orders.open", {})) as {
    readonly value?: ReadonlyArray<{ readonly orderId: string }>
  }
  return (answer.value ?? []).map((order) => order.orderId)
}

/** The parcel the bench shows now, as the station has it. */
const parcelOnBench = async () => {
  const state = await opened!.station.call("pack.state", {})
  return (state as { readonly value: { readonly parcel: { readonly parcelId: string; readonly status: string } } })
    .value.parcel
}

/** The shop's orders as placed, in the order they are packed. */
let placedOrders: Array<FakeOrder> = []

/** Packs shop order `index` (0-based) by scanner and keys; `labelled`: waits for its label, else for "label pending". */
const pack = async (index: number, labelled: boolean) => {
  const placed = placedOrders[index]!
  const orderId = shop!.orderIdOf(placed)
  await openOrder(page, orderId, "ALP-MUG-01")
  await verifyLines(page, mugLine)
  if (labelled) {
    await closeParcel(page, { box: 1, grams: 460 })
  } else {
    await completeParcel(page, { box: 1, grams: 460 })
    await page.getByTestId("label-pending").waitFor({ timeout: 30_000 })
  }
  const parcel = await parcelOnBench()
  expect(parcel.status).toBe(labelled ? "packed" : "label-pending")
  packed.push({ placed, orderId, parcelId: parcel.parcelId })
}

const row = (n: number) => page.locator(`[data-testid="held-parcel"][data-parcel="${packed[n]!.parcelId}"]`)

beforeAll(async () => {
  shop = await startFakeShop("shopify")
  // The embedded hub reads the connector's credentials from the environment, as a real one would.
  process.env[shop.credentials.env] = shop.credentials.json
  // DHL Paket's labels come from its label service.
  service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: API_KEY })
  configDir = mkdtempSync(join(tmpdir(), "pb-held-parcels-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(
    configFile,
    JSON.stringify({
      hub: { shops: { connectors: [shop.connector], defaultSite: "HAM1" } },
      carriers: {
        "dhl-paket": { type: "api", baseUrl: service.url, apiKeyEnv: "PACKBENCH_E2E_DHL_KEY", timeoutMs: 2000 }
      }
    })
  )
  const hubPort = await freePort()
  opened = await openStationInBrowser("held-parcels", {
    PACKBENCH_CONFIG: configFile,
    PACKBENCH_SITE_ID: "HAM1",
    PACKBENCH_HUB_PORT: String(hubPort),
    PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()),
    PACKBENCH_E2E_DHL_KEY: API_KEY
  })
  page = opened.page
  shop.setWebhookUrl(`http://127.0.0.1:${hubPort}/shops/shopify/webhook`)
}, 120_000)

afterAll(async () => {
  await opened?.close()
  await service?.close()
  await shop?.close()
  if (shop !== undefined) delete process.env[shop.credentials.env]
  if (configDir !== "") rmSync(configDir, { recursive: true, force: true })
})

describe("the parcels held at the station, on the Manager screen, and a manager's void", () => {
  it("packs six shop orders: three labelled, then one whose label is refused, one withheld, one still asked for", async () => {
    const fake = shop!
    placedOrders = []
    for (let n = 1; n <= 6; n++) placedOrders.push((await fake.placeOrder(mugOrder(n))).order)
    const orderIds = placedOrders.map((order) => fake.orderIdOf(order))
    await expect
      .poll(async () => (await openOrders()).filter((orderId) => orderIds.includes(orderId)).sort(), {
        timeout: 60_000
      })
      .toEqual([...orderIds].sort())

    await signIn(page, "B-1001")
    for (const index of [0, 1, 2]) await pack(index, true)

    // The label service is down while order 4 is packed, and refuses its label when it is back.
    await service!.down()
    await pack(3, false)
    service!.refuse("shipments", { status: 422, error: "Postleitzahl passt nicht zum Ort" })
    await service!.up()
    await page.getByTestId("labels-refused").waitFor({ timeout: 60_000 })
    service!.refuse("shipments", undefined)

    // Down again for order 5, which the shop cancels while its parcel waits: no request reached the carrier, so its
    // label is not asked for.
    await service!.down()
    await pack(4, false)
    await fake.cancel(packed[4]!.placed.id)
    const alert = page.locator('[data-testid="alert"][data-code="order-cancelled-labelled"]')
    await alert.waitFor({ timeout: 60_000 })
    await alert.getByRole("button").click()
    await page.getByTestId("labels-withheld").waitFor({ timeout: 60_000 })

    // The service takes order 6's request in and never answers: a shipment may exist for it.
    await service!.stall()
    await pack(5, false)

    // The shop changes the three labelled orders after packing: cancelled, moved, two mugs instead of one.
    await fake.cancel(packed[0]!.placed.id)
    fake.edit(packed[1]!.placed.id, (order) => ({ ...order, shipTo: { ...order.shipTo, street1: "Hafenstraße 7" } }))
    fake.edit(packed[2]!.placed.id, (order) => ({
      ...order,
      lines: order.lines.map((line) => ({ ...line, quantity: 2 })),
      payment: { ...order.payment, total: 25.8 }
    }))
    await expect.poll(heldReasons, { timeout: 60_000 }).toEqual([
      [packed[4]!.orderId, "label-withheld"],
      [packed[3]!.orderId, "label-refused"],
      [packed[2]!.orderId, "parcel-lines-outdated"],
      [packed[1]!.orderId, "label-address-outdated"],
      [packed[0]!.orderId, "order-cancelled-after-packing"],
      [packed[5]!.orderId, "label-pending"]
    ])
  }, 300_000)

  it("shows a packer the held parcels with their reasons in German, and no void: the station refuses theirs", async () => {
    await page.keyboard.press("F3")
    const card = page.getByTestId("held-parcels-card")
    await card.getByRole("heading", { name: "Am Platz zurückgehaltene Pakete" }).waitFor({ timeout: 15_000 })
    await expect.poll(() => card.getByTestId("held-parcel").count(), { timeout: 15_000 }).toBe(6)
    const reasonOf = (n: number) => row(n).getByTestId("held-reason").innerText()
    expect(await reasonOf(0)).toBe("Auftrag nach dem Packen storniert")
    expect(await reasonOf(1)).toBe("Adresse nach dem Etikett korrigiert")
    expect(await reasonOf(2)).toBe("Artikel nach dem Packen geändert")
    expect(await reasonOf(3)).toContain("Etikett vom Spediteur abgelehnt")
    // The carrier's words and status, never its raw JSON answer.
    expect(await reasonOf(3)).toBe(
      "Etikett vom Spediteur abgelehnt\nDHL Paket lehnt ab (HTTP 422): „Postleitzahl passt nicht zum Ort“"
    )
    expect(await reasonOf(4)).toBe("Etikett nicht angefordert – Auftrag nach dem Packen storniert")
    expect(await reasonOf(5)).toBe("Wartet auf sein Etikett")
    // Labelled parcels show their tracking number; those waiting for a label have none yet.
    expect(await row(0).innerText()).toMatch(/JJD\d{10}/)
    expect(await row(5).innerText()).toContain("noch keine")
    expect(await card.innerText()).toContain("Stornieren darf nur die Leitung – Leitungsausweis scannen.")
    expect(await card.getByTestId("held-void").count()).toBe(0)
    await screenshot("held-parcels-packer-de")

    // Past the screen, through this browser's own session: the station refuses a packer's void, and audits it.
    const answer = await page.evaluate(async (parcelId) => {
      const response = await fetch("/api/call/pack.void", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parcelId, reason: "ich darf das nicht" })
      })
      return (await response.json()) as unknown
    }, packed[4]!.parcelId)
    expect(answer).toMatchObject({ ok: false, error: { code: "role-required" } })
    expect(await heldReasons()).toHaveLength(6)
  }, 120_000)

  it("lets a manager void the withheld parcel with a reason: it leaves the list and the header, the audit shows it", async () => {
    await signIn(page, "B-9001")
    const card = page.getByTestId("held-parcels-card")
    await card.getByTestId("held-void").first().waitFor({ timeout: 15_000 })
    expect(await card.getByTestId("held-void").count()).toBe(6)
    expect(await card.innerText()).not.toContain("Stornieren darf nur die Leitung")

    // Escape closes the form, and Enter without a reason voids nothing.
    await row(4).getByTestId("held-void").click()
    const form = card.getByTestId("held-void-form")
    await form.waitFor({ timeout: 15_000 })
    expect(await form.innerText()).toContain(`Paket ${packed[4]!.parcelId} (Auftrag ${packed[4]!.orderId}) stornieren`)
    await page.keyboard.press("Escape")
    await form.waitFor({ state: "detached", timeout: 15_000 })
    await row(4).getByTestId("held-void").click()
    await form.waitFor({ timeout: 15_000 })
    await page.keyboard.press("Enter")
    expect(await form.getByTestId("held-void-confirm").isDisabled()).toBe(true)
    await screenshot("held-parcels-void-form-de")

    await typeKeys(page, "Vom Shop storniert")
    const voided = card.getByTestId("held-voided")
    await voided.waitFor({ timeout: 15_000 })
    expect(await voided.innerText()).toBe(
      `✔ Paket ${packed[4]!.parcelId} storniert. Auftrag ${packed[4]!.orderId} bleibt storniert: Artikel zurücklegen.`
    )
    await row(4).waitFor({ state: "detached", timeout: 15_000 })
    expect(await card.getByTestId("held-parcel").count()).toBe(5)
    // The header no longer counts a withheld label.
    await page.getByTestId("labels-withheld").waitFor({ state: "detached", timeout: 15_000 })
    expect(await openOrders()).not.toContain(packed[4]!.orderId)

    const audit = page.getByTestId("audit-entries")
    const done = audit.locator('tr[data-action="pack.void"][data-outcome="done"]')
    await done.waitFor({ timeout: 15_000 })
    expect(await done.innerText()).toContain("Paket stornieren")
    expect(await done.innerText()).toContain("Katrin Vogel")
    expect(await done.innerText()).toContain("Vom Shop storniert")
    const refused = audit.locator('tr[data-action="pack.void"][data-outcome="refused"]')
    expect(await refused.innerText()).toContain("role-required")
    await screenshot("held-parcels-voided-de")
    await page.getByTestId("audit-card").screenshot({ path: join(SCREENSHOTS, "held-parcels-audit-de.png") })
  }, 120_000)

  it("says the reasons in English, voids a parcel whose shipment may exist at the carrier (to be cancelled there), and another", async () => {
    await page.getByRole("button", { name: "EN", exact: true }).click()
    const card = page.getByTestId("held-parcels-card")
    await card.getByRole("heading", { name: "Parcels held at the station" }).waitFor({ timeout: 15_000 })
    const reasonOf = (n: number) => row(n).getByTestId("held-reason").innerText()
    expect(await reasonOf(0)).toBe("Order cancelled after packing")
    expect(await reasonOf(1)).toBe("Address corrected after labelling")
    expect(await reasonOf(2)).toBe("Items changed after packing")
    expect(await reasonOf(3)).toBe(
      "Label refused by the carrier\nDHL Parcel refused it (HTTP 422): “Postleitzahl passt nicht zum Ort”"
    )
    expect(await reasonOf(5)).toBe("Waiting for its label")
    await screenshot("held-parcels-en")

    // The parcel whose label's request the service took in and never answered: voided all the same, and the shipment
    // the request may have made waits to be cancelled at the carrier.
    await row(5).getByTestId("held-void").click()
    await card.getByTestId("held-void-form").waitFor({ timeout: 15_000 })
    await typeKeys(page, "Box damaged")
    await card
      .getByTestId("held-voided")
      .getByText(`Parcel ${packed[5]!.parcelId} voided.`, { exact: false })
      .waitFor({ timeout: 15_000 })
    await row(5).waitFor({ state: "detached", timeout: 15_000 })
    await page.getByTestId("carrier-cancellations").waitFor({ timeout: 15_000 })
    await screenshot("held-parcels-voided-reached-en")

    // The parcel packed before its order's items changed: voided, the order opens to be packed again.
    await row(2).getByTestId("held-void").click()
    await card.getByTestId("held-void-form").waitFor({ timeout: 15_000 })
    await typeKeys(page, "Two mugs now")
    await card
      .getByTestId("held-voided")
      .getByText(`Parcel ${packed[2]!.parcelId} voided. Order ${packed[2]!.orderId} is open again: pack it anew.`, {
        exact: false
      })
      .waitFor({ timeout: 15_000 })
    await row(2).waitFor({ state: "detached", timeout: 15_000 })
    expect(await openOrders()).toContain(packed[2]!.orderId)
    expect(await heldReasons()).toEqual([
      [packed[3]!.orderId, "label-refused"],
      [packed[1]!.orderId, "label-address-outdated"],
      [packed[0]!.orderId, "order-cancelled-after-packing"]
    ])
    await screenshot("held-parcels-voided-en")
  }, 120_000)

  it("ran without script errors", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
