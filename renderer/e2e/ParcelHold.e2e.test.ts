import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Order } from "../../core/orders/Order.ts"
import { freePort } from "../../drivers/net/LoopbackPort.ts"
import type { FakeOrder } from "../../fixtures/shops/FakeShopCore.ts"
import { type FakeShop, startFakeShop } from "../../fixtures/shops/FakeShops.ts"
import { sampleOrder } from "../../hub/drivers/connectors/shopConformance.suite.ts"
import { packOrder, scanKeys, signIn, typeKeys } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"

let opened: StationInBrowser | undefined
let shop: FakeShop | undefined
let configDir = ""
let page: Page

/** One shop order packed at the bench: the shop's record of it and the parcel the station labelled for it. */
interface Packed {
  readonly placed: FakeOrder
  readonly orderId: string
  readonly parcelId: string
  readonly trackingNumber: string
}
const packed: Array<Packed> = []

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** One enamel mug for Mia Berg in Hamburg, with DHL Paket: one scan, box S, 310 g + 150 g tare. */
const mugOrder = (n: number): Order => ({
  ...sampleOrder(n),
  lines: [{ lineId: "1", sku: "ALP-MUG-01", gtin: MUG, quantity: 1, unitPrice: 12.9 }],
  payment: { method: "card", currency: "EUR", total: 12.9 }
})

const eventTypes = async () => {
  const answer = await opened!.station.call("events.recent", { limit: 200 })
  if (!answer.ok) throw new Error(`events.recent failed: ${JSON.stringify(answer)}`)
  return (answer.value as ReadonlyArray<{ readonly type: string }>).map((event) => event.type)
}

/** Waits until the station has recorded `count` events of `type`: the shop's word reached it through the hub. */
const waitForEvents = (type: string, count: number) =>
  expect
    .poll(async () => (await eventTypes()).filter((candidate) => candidate === type).length, { timeout: 60_000 })
    .toBe(count)

/** The refusals the station recorded (`pack.exception`), oldest first, read from its log without touching it. */
const packExceptions = () => {
  const database = new Database(join(opened!.station.config.dataDir, "station.db"), { readonly: true })
  try {
    return (
      database.prepare("SELECT payload, actor FROM events WHERE type = 'pack.exception' ORDER BY seq").all() as Array<{
        payload: string
        actor: string
      }>
    ).map((row) => ({ ...(JSON.parse(row.payload) as Record<string, unknown>), actor: row.actor }))
  } finally {
    database.close()
  }
}

/** What the embedded hub published for `orderId`, oldest first: each message's topic (the site's inbox) and version. */
const hubSent = (orderId: string) => {
  const database = new Database(join(opened!.station.config.dataDir, "hub", "hub.db"), { readonly: true })
  try {
    return (
      database
        .prepare(
          `SELECT topic, json_extract(body, '$.version') AS version FROM shop_messages
           WHERE json_extract(body, '$.payload.orderId') = ? ORDER BY created_at_ms, seq`
        )
        .all(orderId) as Array<{ topic: string; version: number }>
    ).map((row) => [row.topic, row.version])
  } finally {
    database.close()
  }
}

beforeAll(async () => {
  shop = await startFakeShop("shopify")
  // The embedded hub reads the connector's credentials from the environment, as a real one would.
  process.env[shop.credentials.env] = shop.credentials.json
  configDir = mkdtempSync(join(tmpdir(), "pb-parcel-hold-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(configFile, JSON.stringify({ hub: { shops: { connectors: [shop.connector], defaultSite: "HAM1" } } }))
  const hubPort = await freePort()
  opened = await openStationInBrowser("parcel-hold", {
    PACKBENCH_CONFIG: configFile,
    PACKBENCH_SITE_ID: "HAM1",
    PACKBENCH_HUB_PORT: String(hubPort),
    PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort())
  })
  page = opened.page
  shop.setWebhookUrl(`http://127.0.0.1:${hubPort}/shops/shopify/webhook`)
}, 120_000)

afterAll(async () => {
  await opened?.close()
  await shop?.close()
  if (shop !== undefined) delete process.env[shop.credentials.env]
  if (configDir !== "") rmSync(configDir, { recursive: true, force: true })
})

describe("a parcel whose order the shop changed after packing does not leave at the carrier cage", () => {
  it("packs three shop orders to the end: each labelled, each parcel packed", async () => {
    const fake = shop!
    const placed = [
      (await fake.placeOrder(mugOrder(1))).order,
      (await fake.placeOrder(mugOrder(2))).order,
      (await fake.placeOrder(mugOrder(3))).order
    ]
    const orderIds = placed.map((order) => fake.orderIdOf(order))
    // The hub's connector reads each order from the shop and publishes it into the station's inbox.
    const openShopOrders = async () => {
      const answer = (await opened!.station.call("orders.open", {})) as {
        readonly value?: ReadonlyArray<{ readonly orderId: string }>
      }
      return (answer.value ?? [])
        .map((order) => order.orderId)
        .filter((orderId) => orderIds.includes(orderId))
        .sort()
    }
    await expect.poll(openShopOrders, { timeout: 60_000 }).toEqual([...orderIds].sort())

    await signIn(page, "B-1001")
    for (const [index, order] of placed.entries()) {
      const orderId = orderIds[index]!
      const trackingNumber = await packOrder(page, orderId, [{ sku: "ALP-MUG-01", scan: MUG, quantity: 1 }], {
        box: 1,
        grams: 460
      })
      const state = await opened!.station.call("pack.state", {})
      expect(state).toMatchObject({ ok: true, value: { parcel: { orderId, status: "packed", trackingNumber } } })
      const parcelId = (state as { readonly value: { readonly parcel: { readonly parcelId: string } } }).value.parcel
        .parcelId
      packed.push({ placed: order, orderId, parcelId, trackingNumber })
    }
    await opened!.station.simulatedPrinters.label!.waitForJobs(3, 30_000)
  }, 180_000)

  it("refuses, in German, the parcel of an order the shop cancelled after packing", async () => {
    const cancelled = packed[0]!
    await shop!.cancel(cancelled.placed.id)
    // The hub's connector forwards the shop's cancellation to the station as order.cancel.
    await waitForEvents("order.cancelled", 1)
    expect(hubSent(cancelled.orderId)).toEqual([
      ["packbench/v1/HAM1/all/inbox/order.upsert", 1],
      ["packbench/v1/HAM1/all/inbox/order.cancel", 2]
    ])

    await page.keyboard.press("F4")
    await page.getByTestId("carrier-choices").waitFor({ timeout: 15_000 })
    await typeKeys(page, "1")
    await page.getByTestId("handover-batch").getByText("DHL Paket").waitFor({ timeout: 15_000 })
    await scanKeys(page, cancelled.trackingNumber)
    const refusal = page.locator('[data-testid="refusal"][data-code="order-cancelled-after-packing"]')
    await refusal.waitFor({ timeout: 15_000 })
    expect(await refusal.innerText()).toContain(
      `Auftrag ${cancelled.orderId} wurde storniert, nachdem Paket ${cancelled.parcelId} gepackt war: Es darf nicht raus. ` +
        "Paket der Leitung zum Stornieren geben, dann die Artikel zurücklegen"
    )
    // The outcome panel names the refusal and what was scanned in German, not by their codes.
    const outcome = page.locator('[data-testid="scan-outcome"][data-tone="bad"]')
    await outcome.getByText("Auftrag nach dem Packen storniert").waitFor({ timeout: 15_000 })
    expect(await outcome.innerText()).toContain("Sendungsnummer DHL Paket")
    expect(await outcome.innerText()).not.toMatch(/order-cancelled-after-packing|dhl-paket/)
    expect(await page.getByTestId("handover-count").innerText()).toBe("0 Pakete")
    await screenshot("parcel-hold-cancelled-de")

    expect(await eventTypes()).toContain("pack.exception")
    expect(packExceptions()).toEqual([
      expect.objectContaining({
        code: "order-cancelled-after-packing",
        orderId: cancelled.orderId,
        raw: cancelled.trackingNumber,
        actor: expect.stringContaining("B-1001")
      })
    ])
  }, 120_000)

  it("refuses, in English, the parcel of an order whose address the shop corrected after labelling, and its reprint", async () => {
    const corrected = packed[1]!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByTestId("handover-count").getByText("0 parcels", { exact: true }).waitFor({ timeout: 15_000 })
    shop!.edit(corrected.placed.id, (order) => ({ ...order, shipTo: { ...order.shipTo, street1: "Hafenstraße 7" } }))
    // Only the address changed: the hub's connector forwards it to the station as order.address-corrected.
    await waitForEvents("order.address-corrected", 1)
    expect(hubSent(corrected.orderId)).toEqual([
      ["packbench/v1/HAM1/all/inbox/order.upsert", 1],
      ["packbench/v1/HAM1/all/inbox/order.address-corrected", 2]
    ])

    await scanKeys(page, corrected.trackingNumber)
    const refusal = page.locator('[data-testid="refusal"][data-code="label-address-outdated"]')
    await refusal.waitFor({ timeout: 15_000 })
    expect(await refusal.innerText()).toContain(
      `The address of order ${corrected.orderId} was corrected after parcel ${corrected.parcelId} was labelled: ` +
        "it must not leave with the old address. A manager voids the parcel, then pack it again so a label with the " +
        "corrected address prints"
    )
    const outcome = page.locator('[data-testid="scan-outcome"][data-tone="bad"]')
    await outcome.getByText("Address corrected – the label is wrong").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("handover-count").innerText()).toBe("0 parcels")
    await screenshot("parcel-hold-address-corrected-en")

    // The bench offers no reprint of a packed parcel; the station's API (here as its own local client, signed in
    // apart from the browser) refuses it for the same reason.
    expect(await opened!.station.call("session.signIn", { badge: "B-1001" })).toMatchObject({ ok: true })
    const labelsBefore = opened!.station.simulatedPrinters.label!.jobs().length
    const reprint = await opened!.station.call("pack.reprint", { parcelId: corrected.parcelId })
    expect(reprint).toMatchObject({ ok: false, error: { code: "label-address-outdated" } })
    expect(JSON.stringify(reprint)).toContain("its label has the old address")
    expect(opened!.station.simulatedPrinters.label!.jobs()).toHaveLength(labelsBefore)

    expect(packExceptions().slice(1)).toEqual([
      expect.objectContaining({
        code: "label-address-outdated",
        orderId: corrected.orderId,
        raw: corrected.trackingNumber
      })
    ])
  }, 120_000)

  it("takes a parcel whose items the shop changed after its scan off the batch when it closes", async () => {
    const changed = packed[2]!
    await scanKeys(page, changed.trackingNumber)
    await page.getByTestId("handover-count").getByText("1 parcel", { exact: true }).waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("handover-batch").innerText()).toContain(changed.trackingNumber)
    shop!.edit(changed.placed.id, (order) => ({
      ...order,
      lines: order.lines.map((line) => ({ ...line, quantity: 2 })),
      payment: { ...order.payment, total: 25.8 }
    }))
    // Other items: a new version of the whole order. The parcel is still on the bench, so the packer is told too.
    const alert = page.locator('[data-testid="alert"][data-code="order-changed-labelled"]')
    await alert.waitFor({ timeout: 60_000 })
    expect(hubSent(changed.orderId)).toEqual([
      ["packbench/v1/HAM1/all/inbox/order.upsert", 1],
      ["packbench/v1/HAM1/all/inbox/order.upsert", 2]
    ])
    expect(await alert.innerText()).toContain(
      `The shop changed the items of order ${changed.orderId} after its parcel was packed`
    )
    await alert.getByRole("button").click()
    await alert.waitFor({ state: "detached", timeout: 15_000 })

    await page.keyboard.press("F9")
    const refusal = page.locator('[data-testid="refusal"][data-code="parcel-lines-outdated"]')
    await refusal.waitFor({ timeout: 15_000 })
    const text = await refusal.innerText()
    expect(text).toContain("Items changed after packing – void the parcel and pack the order again")
    expect(text).toContain(
      `The shop changed the items of order ${changed.orderId} after parcel ${changed.parcelId} was scanned: it is off ` +
        "this batch, take it back out of the cage. A manager voids the parcel, then pack the order again"
    )
    expect(await page.getByTestId("handover-count").innerText()).toBe("0 parcels")
    expect(await page.getByTestId("handover-manifest").count()).toBe(0)
    await screenshot("parcel-hold-items-changed-batch-en")

    expect(packExceptions().slice(2)).toEqual([
      expect.objectContaining({ code: "parcel-lines-outdated", orderId: changed.orderId })
    ])
    // None of the three left: no parcel was handed to the carrier.
    expect(await eventTypes()).not.toContain("parcel.handed-to-carrier")
  }, 120_000)

  it("ran without script errors", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
