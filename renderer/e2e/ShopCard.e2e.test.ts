import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../../drivers/net/LoopbackPort.ts"
import { openSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { type FakeShop, startFakeShop } from "../../fixtures/shops/FakeShops.ts"
import { sampleOrder } from "../../hub/drivers/connectors/shopConformance.suite.ts"
import { signIn } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser | undefined
let shop: FakeShop | undefined
let hubPort = 0
/** When the hand-over below happened, as the row says: a fixed time, shown as it is. */
const HANDED_OVER_MS = Date.UTC(2026, 11, 4, 9, 30)

beforeAll(async () => {
  shop = await startFakeShop("shopify")
  // The embedded hub reads the connector's credentials from the environment, as a real one would.
  process.env[shop.credentials.env] = shop.credentials.json
  const configFile = join(mkdtempSync(join(tmpdir(), "pb-shop-card-")), "packbench.config.json")
  writeFileSync(configFile, JSON.stringify({ hub: { shops: { connectors: [shop.connector], defaultSite: "HAM1" } } }))
  hubPort = await freePort()
  opened = await openStationInBrowser("shop-card", {
    PACKBENCH_CONFIG: configFile,
    PACKBENCH_SITE_ID: "HAM1",
    PACKBENCH_HUB_PORT: String(hubPort),
    PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort())
  })
  shop.setWebhookUrl(`http://127.0.0.1:${hubPort}/shops/shopify/webhook`)
}, 120_000)

afterAll(async () => {
  await opened?.close()
  await shop?.close()
})

describe("the Manager screen's Shop card", () => {
  it("shows the connector, its orders, a refused order, a failed push and one handed over, which a manager retries with a reason, and a catch-up that keeps failing", async () => {
    const { page, pageProblems } = opened!
    const fake = shop!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    const first = await fake.placeOrder(sampleOrder(1))
    const second = await fake.placeOrder(sampleOrder(2))
    await fake.placeOrder({ ...sampleOrder(3), lines: [{ lineId: "1", sku: "no sku!", quantity: 1, unitPrice: 5 }] })
    const fourth = await fake.placeOrder(sampleOrder(4))

    // A fulfillment the shop refused earlier (a parcel of order 1 that named a unit the shop did not have open).
    const hub = openSqlite({ filename: join(opened!.station.config.dataDir, "hub", "hub.db") })
    const lineId = `${first.order.id}01`
    hub
      .prepare(
        `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, payload,
           status, attempts, next_attempt_ms, last_error, created_at_ms, updated_at_ms)
         VALUES ('push-e2e-1', 'shopify', 1, 'fulfillment', 'packbench-e2e-1', 'P-E2E-1', 'SHOP-1001', 'P-E2E-1', ?, 'failed', 3, 0,
           'Rejected: Shopify alpenglow.myshopify.com: fulfillmentCreate: Invalid quantity for fulfillment order line item', ?, ?)`
      )
      .run(
        JSON.stringify({
          orderId: "SHOP-1001",
          shopOrderId: `gid://shopify/Order/${first.order.id}`,
          parcelId: "P-E2E-1",
          carrier: "dhl-paket",
          carrierName: "DHL",
          trackingNumber: "00340434161094042557",
          trackingUrl:
            "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
          lines: [{ lineId, shopLineId: `gid://shopify/LineItem/${lineId}`, quantity: 1 }],
          completesOrder: false
        }),
        Date.now() - 600_000,
        Date.now() - 60_000
      )

    // A fulfillment of order 2 the hub handed over after eight answers it could not read (the shop may have acted).
    const secondLine = `${second.order.id}01`
    hub
      .prepare(
        `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, payload,
           status, failed_as, attempts, stuck_failures, next_attempt_ms, last_error, created_at_ms, updated_at_ms)
         VALUES ('push-e2e-2', 'shopify', 2, 'fulfillment', 'packbench-e2e-2', 'P-E2E-2', 'SHOP-1002', 'P-E2E-2', ?,
           'failed', 'malformed', 8, 8, 0, ?, ?, ?)`
      )
      .run(
        JSON.stringify({
          orderId: "SHOP-1002",
          shopOrderId: `gid://shopify/Order/${second.order.id}`,
          parcelId: "P-E2E-2",
          carrier: "dhl-paket",
          carrierName: "DHL",
          trackingNumber: "00340434161094042558",
          trackingUrl: undefined,
          lines: [{ lineId: secondLine, shopLineId: `gid://shopify/LineItem/${secondLine}`, quantity: 1 }],
          completesOrder: false
        }),
        "Malformed: Shopify alpenglow.myshopify.com: the answer to PackbenchFulfillmentCreate cannot be used: data.fulfillmentCreate.fulfillment: Missing key",
        HANDED_OVER_MS - 600_000,
        HANDED_OVER_MS
      )

    // A fulfillment of order 4 the hub handed over after the shop refused its token eight times.
    const fourthLine = `${fourth.order.id}01`
    hub
      .prepare(
        `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, payload,
           status, failed_as, attempts, stuck_failures, next_attempt_ms, last_error, created_at_ms, updated_at_ms)
         VALUES ('push-e2e-3', 'shopify', 3, 'fulfillment', 'packbench-e2e-3', 'P-E2E-3', 'SHOP-1004', 'P-E2E-3', ?,
           'failed', 'unauthorized', 8, 8, 0, ?, ?, ?)`
      )
      .run(
        JSON.stringify({
          orderId: "SHOP-1004",
          shopOrderId: `gid://shopify/Order/${fourth.order.id}`,
          parcelId: "P-E2E-3",
          carrier: "dhl-paket",
          carrierName: "DHL",
          trackingNumber: "00340434161094042559",
          trackingUrl: undefined,
          lines: [{ lineId: fourthLine, shopLineId: `gid://shopify/LineItem/${fourthLine}`, quantity: 1 }],
          completesOrder: false
        }),
        "Unauthorized: Shopify alpenglow.myshopify.com answered 401: [API] Invalid API key or access token",
        HANDED_OVER_MS - 300_000,
        HANDED_OVER_MS
      )

    await page.keyboard.press("F3")
    const card = page.getByTestId("shop-card")
    const connector = card.locator('[data-connector="shopify"]')
    await connector.getByTestId("shop-state").getByText("connected").waitFor({ timeout: 30_000 })
    await card.getByTestId("shop-waiting").getByText("3 orders").waitFor({ timeout: 30_000 })
    // The connectors publish the orders into the station's inbox with the shop side's own broker login (the only one
    // the embedded broker lets publish them): the bench has both, beside its sample orders.
    const openOrders = async () => {
      const answer = (await opened!.station.call("orders.open", {})) as {
        readonly value?: ReadonlyArray<{ readonly orderId: string }>
      }
      return (answer.value ?? [])
        .map((order) => order.orderId)
        .filter((orderId) => orderId.startsWith("SHOP-"))
        .sort()
    }
    await expect.poll(openOrders, { timeout: 30_000 }).toEqual(["SHOP-1001", "SHOP-1002", "SHOP-1004"])
    await card
      .getByTestId("shop-quarantined")
      .getByText(/no usable SKU/)
      .waitFor()
    const failed = connector.locator('[data-testid="shop-failed-push"][data-push="push-e2e-1"]')
    const handedOver = connector.locator('[data-testid="shop-failed-push"][data-push="push-e2e-2"]')
    await failed.getByText(/Invalid quantity/).waitFor()
    await handedOver
      .getByTestId("shop-handed-over")
      .getByText(/stopped after 8 attempts/)
      .waitFor()
    await failed.getByText("Only a manager may retry or discard a push.").waitFor()
    expect(await connector.getByTestId("shop-retry-all").count()).toBe(0)
    await card.screenshot({ path: join(SCREENSHOTS, "9-manager-shop-card.png") })

    await signIn(page, "B-9001")
    await page.keyboard.press("F3")
    await failed.getByTestId("shop-decision-reason").fill("Unit put back on the fulfillment order in Shopify")
    await page.screenshot({ path: join(SCREENSHOTS, "9-manager-shop-card-failed.png"), fullPage: true })
    await failed.getByTestId("shop-retry").click()
    await failed.waitFor({ state: "detached", timeout: 30_000 })
    await connector.getByTestId("shop-last-push").getByText(/\d/).waitFor({ timeout: 30_000 })
    expect(first.order.fulfillments.map((fulfillment) => fulfillment.trackingNumber)).toEqual(["00340434161094042557"])
    const audit = hub.prepare("SELECT action, actor, reason FROM shop_push_audit").all()
    expect(audit).toEqual([
      { action: "retry", actor: "B-9001 Katrin Vogel", reason: "Unit put back on the fulfillment order in Shopify" }
    ])

    // Both handed-over fulfillments, retried at once after the access was fixed: each its own request again, in
    // order, and the shop has each once.
    const retryAll = connector.getByTestId("shop-retry-all")
    await retryAll.getByText(/2 pushes were handed over/).waitFor()
    await retryAll.getByTestId("shop-retry-all-reason").fill("New Admin API token installed in hub.shops")
    await card.screenshot({ path: join(SCREENSHOTS, "9-manager-shop-card-handed-over.png") })
    await retryAll.getByTestId("shop-retry-all-button").click()
    await handedOver.waitFor({ state: "detached", timeout: 30_000 })
    await connector.locator('[data-push="push-e2e-3"]').waitFor({ state: "detached", timeout: 30_000 })
    await expect
      .poll(
        () =>
          [second, fourth].map((placed) => placed.order.fulfillments.map((fulfillment) => fulfillment.trackingNumber)),
        { timeout: 30_000 }
      )
      .toEqual([["00340434161094042558"], ["00340434161094042559"]])
    expect(
      hub.prepare("SELECT push_id, action, actor, reason FROM shop_push_audit ORDER BY at_ms, push_id").all()
    ).toEqual([
      expect.objectContaining({ push_id: "push-e2e-1" }),
      {
        push_id: "push-e2e-2",
        action: "retry",
        actor: "B-9001 Katrin Vogel",
        reason: "retry all: New Admin API token installed in hub.shops"
      },
      {
        push_id: "push-e2e-3",
        action: "retry",
        actor: "B-9001 Katrin Vogel",
        reason: "retry all: New Admin API token installed in hub.shops"
      }
    ])

    // The shop answers every catch-up page with one the connector cannot read. Once the hub counted a failed pass,
    // the count is set to one short of the hand-over (the real count takes minutes of backoff): the next pass names it.
    fake.core.faults.answer = {
      route: "PackbenchOrders",
      body: { data: { orders: { pageInfo: { hasNextPage: false }, nodes: [] } } },
      count: 1_000
    }
    const pollFailures = () =>
      Number((hub.prepare("SELECT poll_failures AS n FROM shop_connectors").get() as { n: number } | undefined)?.n)
    await expect.poll(pollFailures, { timeout: 30_000 }).toBeGreaterThan(0)
    hub.prepare("UPDATE shop_connectors SET poll_stuck_failures = 7").run()
    const catchUp = connector.getByTestId("shop-catch-up-problem")
    await catchUp.getByText(/Catch-up needs attention/).waitFor({ timeout: 30_000 })
    await catchUp.getByText(/PackbenchOrders cannot be used: data.orders.pageInfo.endCursor: Missing key/).waitFor()
    await card.screenshot({ path: join(SCREENSHOTS, "9-manager-shop-card-catch-up.png") })
    hub.close()

    await page.getByRole("button", { name: "DE", exact: true }).click()
    await card.getByText("Wartende Shop-Bestellungen je Standort").waitFor()
    await catchUp.getByText(/Abgleich braucht Aufmerksamkeit/).waitFor()
    expect(await connector.getByTestId("shop-retry-all").count()).toBe(0)
    await card.screenshot({ path: join(SCREENSHOTS, "9-manager-shop-card-de.png") })
    expect(pageProblems).toEqual([])
  }, 120_000)
})
