import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect } from "effect"
import mqtt from "mqtt"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { CatalogItem } from "../../core/catalog/CatalogItem.ts"
import { ReturnRefundDecided } from "../../core/returns/ReturnsEvents.ts"
import { encodeS10 } from "../../core/scan/trackingNumber.ts"
import { Topics } from "../../core/sync/Topics.ts"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { loadConfig } from "../../drivers/station/loadConfig.ts"
import { PROJECT_ROOT, startStation } from "../../drivers/station/Station.ts"
import { stationStream } from "../../fixtures/hub/HubRig.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { legacyStationRows } from "../../fixtures/sqlite/LegacyStationRows.ts"
import { packOrder, scanKeys, signIn, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, packbenchCode, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"
/** A GPS tracker by its GTIN and serial (GS1 AIs 01 and 21), as a scanner reads its label. */
const gps = (serial: string) => `010426012345006921${serial}`
/** SO-100003's GPS. */
const GPS = gps("GPS-E2E-1")

let page: Page
let trackingNumber = ""
let pageProblems: Array<string> = []

const scan = (raw: string) => scanKeys(page, raw)
const screenshot = (name: string, fullPage = true) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage })
const item = (sku: string) => page.locator(`[data-testid="return-item"][data-sku="${sku}"]`)
const prompt = (text: string) => waitForPrompt(page, text)
/** The clerk's single key, pressed on its own like a person does (not part of a scanner burst). */
const pressAlone = async (key: string) => {
  await page.waitForTimeout(200)
  await page.keyboard.press(key)
}

let opened: StationInBrowser | undefined

/** A station API call's value; a refusal fails the test with the station's words. */
const call = async (name: string, input: unknown) => {
  const answer = await opened!.station.call(name, input)
  if (!answer.ok) throw new Error(`${name} refused: ${JSON.stringify(answer.error)}`)
  return answer.value
}

/**
 * Packs `orderId` through the station's API as packer B-1001 would at the bench (one scan per unit), then signs the
 * clerk in again; the parcel's tracking number.
 */
const packThroughApi = async (orderId: string, scans: ReadonlyArray<string>) => {
  await call("scan.submit", { raw: packbenchCode("badge", "B-1001"), source: "wedge", context: "pack" })
  await call("pack.scan", { raw: packbenchCode("order", orderId) })
  for (const raw of scans) await call("pack.scan", { raw })
  await call("pack.chooseBox", { boxId: "S" })
  await call("pack.weight", { grams: 150 + 95 * scans.length, source: "typed" })
  const packed = (await call("pack.complete", {})) as { readonly parcel: { readonly trackingNumber: string } }
  await signIn(page, "B-2001")
  return packed.parcel.trackingNumber
}

/** A sample catalog item (fixtures/data/catalog.json). */
const sampleItem = (sku: string) => {
  const item = (fixture("catalog.json") as ReadonlyArray<CatalogItem>).find((candidate) => candidate.sku === sku)
  if (item === undefined) throw new Error(`${sku} is not a sample item`)
  return item
}

/**
 * A station database after its first start, with ALP-BTL-05 as a version before the catalog's bounds stored what the
 * shop sent (a weight and a bin hint beyond today's bounds), written while no station runs: today's station takes no
 * such item in, so neither its API nor its shop can make one.
 */
const stationWithOlderBottle = async (dataDir: string) => {
  const first = await startStation({
    config: loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    }),
    http: false,
    log: () => {}
  })
  await first.close()
  const bottle = { ...sampleItem("ALP-BTL-05"), weightGrams: Number.MAX_SAFE_INTEGER, binHint: "B".repeat(5_000) }
  await Effect.runPromise(
    Effect.flatMap(legacyStationRows, (rows) => rows.catalogItem(bottle, 0)).pipe(
      Effect.provide(layerSqlite({ filename: join(dataDir, "station.db") }))
    )
  )
}

let dataDir = ""

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "packbench-returns-e2e-"))
  await stationWithOlderBottle(dataDir)
  opened = await openStationInBrowser("returns", {}, [], dataDir)
  ;({ page, pageProblems } = opened)
})

afterAll(async () => {
  await opened?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe("taking a return in, grading and deciding it by scanner and single keys", () => {
  it("packs SO-100001 so there is a parcel to come back", async () => {
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await signIn(page, "B-1001")
    trackingNumber = await packOrder(
      page,
      "SO-100001",
      [
        { sku: "ALP-MUG-01", scan: MUG, quantity: 2 },
        { sku: "ALP-SOCK-M", scan: SOCKS, quantity: 1 }
      ],
      { box: 1, grams: 860 }
    )
    expect(trackingNumber).not.toBe("")
  })

  it("signs in the returns clerk and shows the order behind the parcel's tracking number", async () => {
    await signIn(page, "B-2001")
    await page.keyboard.press("F2")
    await prompt("Retoure scannen")
    await scan(trackingNumber)
    await page.getByTestId("return-case").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("return-case").getAttribute("data-known")).toBe("true")
    expect(await page.getByTestId("return-order").innerText()).toBe("SO-100001")
    const shipped = await page.getByTestId("return-shipped").innerText()
    expect(shipped).toContain("ALP-MUG-01")
    expect(shipped).toContain("ALP-SOCK-M")
    expect(await page.getByTestId("return-window").getAttribute("data-state")).toBe("open")
    expect(await page.getByTestId("refusal").count()).toBe(0)
    await prompt("Artikel scannen und bewerten")
  })

  it("grades the mug as new/sealed and the socks as signs of use, each by a scan and one key", async () => {
    await scan(MUG)
    await item("ALP-MUG-01").waitFor({ timeout: 15_000 })
    expect(await item("ALP-MUG-01").getAttribute("data-grade")).toBe("")
    await pressAlone("1")
    await page.locator('[data-testid="return-item"][data-sku="ALP-MUG-01"][data-grade="new-sealed"]').waitFor({
      timeout: 15_000
    })
    await scan(SOCKS)
    await item("ALP-SOCK-M").waitFor({ timeout: 15_000 })
    // The socks' GTIN starts with digits a person could press: the burst must not have graded anything.
    expect(await item("ALP-SOCK-M").getAttribute("data-grade")).toBe("")
    await pressAlone("3")
    await page.locator('[data-testid="return-item"][data-sku="ALP-SOCK-M"][data-grade="signs-of-use"]').waitFor({
      timeout: 15_000
    })
    expect(await item("ALP-MUG-01").getAttribute("data-grade")).toBe("new-sealed")
    expect(await page.getByTestId("return-item").count()).toBe(2)
    await prompt("Alle Artikel bewertet")
    await screenshot("returns-graded")
  })

  it("another station's refund for the same socks reaches the hub first", async () => {
    const { station } = opened!
    const other = stationStream({ siteId: station.siteId, stationId: "RET-09", epoch: "e2e-other-station" })
    const event = other(ReturnRefundDecided, {
      returnId: "RET-09-R000001",
      itemRef: "RET-09-R000001-01",
      orderId: "SO-100001",
      lineId: "2",
      unit: 1,
      sku: "ALP-SOCK-M",
      gtin: "04260123450038",
      serial: null,
      lot: null,
      outcome: "refund-full",
      amountCents: 1650,
      currency: "EUR",
      ruleId: "perfect-condition",
      reason: { de: "Einwandfrei", en: "Perfect" },
      source: "rules",
      previousOutcome: null
    })
    // RET-09, enrolled on this machine's broker as a second station of the site.
    const login = await enrolEmbeddedClient(station.config.dataDir, {
      role: "station",
      siteId: station.siteId,
      stationId: "RET-09"
    })
    const client = await mqtt.connectAsync(station.brokerUrl, { protocolVersion: 4, ...login })
    await client.publishAsync(Topics.event(event.siteId, event.stationId, event.type), JSON.stringify(event), {
      qos: 1
    })
    await client.endAsync()
    const hubDb = join(station.config.dataDir, "hub", "hub.db")
    await expect
      .poll(
        () => {
          const db = new Database(hubDb, { readonly: true })
          try {
            return db.prepare("SELECT return_id FROM hub_refund_claims WHERE order_id = 'SO-100001'").all()
          } finally {
            db.close()
          }
        },
        { timeout: 30_000, interval: 100 }
      )
      .toEqual([{ return_id: "RET-09-R000001" }])
  })

  it("decides on F9: the mug is refunded at once by the perfect-condition rule, the socks by theirs", async () => {
    await pressAlone("F9")
    await item("ALP-MUG-01").getByTestId("return-decision").waitFor({ timeout: 15_000 })
    await item("ALP-SOCK-M").getByTestId("return-decision").waitFor({ timeout: 15_000 })
    expect(await item("ALP-MUG-01").getAttribute("data-outcome")).toBe("refund-full")
    const mug = item("ALP-MUG-01").getByTestId("return-decision")
    expect(await mug.getAttribute("data-rule")).toBe("perfect-condition")
    expect(await mug.getAttribute("class")).toContain("decision-ok")
    expect(await mug.innerText()).toContain("Ware in einwandfreiem Zustand ohne Gebrauchsspuren: sofort erstatten")
    const socks = item("ALP-SOCK-M").getByTestId("return-decision")
    expect(await socks.getAttribute("data-rule")).toBe("signs-of-use-fee")
    expect(await item("ALP-SOCK-M").getAttribute("data-outcome")).toBe("refund-partial")
    expect(await socks.innerText()).toContain("Wiedereinlagerungsgebühr")
    // A clerk sees the manager's actions, disabled, with the reason why.
    expect(await page.getByRole("button", { name: "Übersteuern" }).first().isDisabled()).toBe(true)
    await page.getByTestId("manager-only").waitFor()
    await prompt("Erstattung entschieden")
    await screenshot("returns-decided")
  })

  it("shows the hub's answer on the socks: rejected, naming the other station's return; the mug stands", async () => {
    const rejection = item("ALP-SOCK-M").getByTestId("refund-rejection")
    await rejection.waitFor({ timeout: 30_000 })
    expect(await rejection.getAttribute("data-other-return")).toBe("RET-09-R000001")
    expect(await rejection.innerText()).toContain("Keine Erstattung")
    expect(await rejection.innerText()).toContain("RET-09-R000001 (RET-09)")
    expect(await item("ALP-SOCK-M").getByTestId("return-decision").innerText()).toContain("abgelehnt")
    expect(await item("ALP-MUG-01").getByTestId("refund-rejection").count()).toBe(0)
    const alert = page.locator('[data-testid="alert"][data-code="refund-rejected-duplicate"]')
    await alert.waitFor({ timeout: 15_000 })
    expect(await alert.innerText()).toContain("SO-100001")
    await screenshot("returns-refund-rejected")
    await alert.getByRole("button").click()
    await alert.waitFor({ state: "detached", timeout: 15_000 })
  })

  it("finishes the return with F10", async () => {
    await pressAlone("F10")
    await page.getByTestId("returns-finished").waitFor({ timeout: 15_000 })
    await prompt("Retoure scannen")
  })

  it("names the return that holds a serial when the same unit is scanned into a second one, and refuses its refund", async () => {
    const gpsTracking = await packThroughApi("SO-100003", [GPS])
    const gps = item("ALP-GPS-X1")
    await scan(gpsTracking)
    await prompt("Artikel scannen und bewerten")
    const first = await page.getByTestId("return-case").getAttribute("data-return-id")
    await scan(GPS)
    await gps.waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("same-unit").count()).toBe(0)
    await pressAlone("1")
    await page.locator('[data-testid="return-item"][data-sku="ALP-GPS-X1"][data-grade="new-sealed"]').waitFor({
      timeout: 15_000
    })
    await pressAlone("F9")
    await gps.getByTestId("return-decision").waitFor({ timeout: 15_000 })
    expect(await gps.getAttribute("data-outcome")).toBe("refund-full")
    await pressAlone("F10")
    await page.getByTestId("returns-finished").waitFor({ timeout: 15_000 })

    // The customer's second parcel holds the same GPS: the clerk learns it at the scan, before grading.
    await scan(gpsTracking)
    await prompt("Artikel scannen und bewerten")
    await scan(GPS)
    const sameUnit = page.getByTestId("same-unit")
    await sameUnit.waitFor({ timeout: 15_000 })
    expect(first).not.toBeNull()
    expect(await sameUnit.getAttribute("data-other-return")).toBe(first)
    const text = await sameUnit.innerText()
    expect(text).toContain(`Seriennummer GPS-E2E-1 ist schon in Retoure ${first}`)
    expect(text).toContain("Erstattung dort: entschieden")
    expect(text).toContain("keine zweite Erstattung")
    await screenshot("returns-same-unit")
    await pressAlone("1")
    await page.locator('[data-testid="return-item"][data-sku="ALP-GPS-X1"][data-grade="new-sealed"]').waitFor({
      timeout: 15_000
    })
    await pressAlone("F9")
    const refused = page.getByTestId("bench-error")
    await refused.waitFor({ timeout: 15_000 })
    expect(await refused.innerText()).toContain("keine zweite Erstattung")
    expect(await gps.getByTestId("return-decision").count()).toBe(0)
    await screenshot("returns-same-unit-refused")
    // The clerk takes the return back, as the message says; the GPS stays with the first return.
    await page.getByTestId("cancel-return").click()
    await page.getByTestId("cancel-return-reason").fill("GPS schon in der ersten Retoure")
    await page.getByTestId("cancel-return-confirm").click()
    await prompt("Retoure scannen")
  })

  it("takes a parcel nobody knows in as an unknown return, never refused", async () => {
    const unknown = encodeS10("RR", String(10_000_000 + Math.floor(Math.random() * 89_999_999)), "DE")
    await scan(unknown)
    await page.getByTestId("return-case").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("return-case").getAttribute("data-known")).toBe("false")
    await prompt("Unbekannte Retoure")
    expect(await page.getByTestId("refusal").count()).toBe(0)
    const notes = await page.getByTestId("return-notes").innerText()
    expect(notes).toContain(`Keine Bestellung zu „${unknown}“`)
    expect(notes).not.toContain("No order found")
    await page.getByTestId("return-case-note").fill("Kein Lieferschein im Paket, Absender Berlin")
    await screenshot("returns-unknown")
  })

  it("names an item an older version stored beyond today's bounds by its SKU and fields, not as an unknown item", async () => {
    // The bottle's catalog entry is the one an older version stored before the station started (beforeAll).
    await scan("4260123450021")
    const bottle = page.locator('[data-testid="return-item"]').filter({ hasText: "ALP-BTL-05" })
    await bottle.waitFor({ timeout: 15_000 })
    expect(await bottle.locator(".item-name").innerText()).toBe("ALP-BTL-05: Katalogeintrag unplausibel")
    expect(await bottle.getByTestId("return-flag").innerText()).toBe(
      "⚠ Katalogeintrag von ALP-BTL-05 außerhalb der heutigen Grenzen (weightGrams, binHint): nicht verwendet, bis der Shop den Artikel neu sendet"
    )
    expect(await bottle.getByTestId("return-flag").getAttribute("data-flag")).toBe("item-beyond-bounds")
    await screenshot("returns-item-beyond-bounds")
  })

  it("refuses a malformed rule set on the manager screen, naming the rule and field; the active set stays", async () => {
    await signIn(page, "B-9001")
    await page.keyboard.press("F3")
    const card = page.getByTestId("rules-card")
    await card.waitFor()
    const fixture = readFileSync(join(PROJECT_ROOT, "fixtures", "data", "refund-rules.json"), "utf8")
    await page.getByTestId("rules-editor").fill(fixture)
    await page.getByTestId("rules-preview-button").click()
    await page.getByTestId("rules-preview").getByText("perfect-condition").waitFor({ timeout: 15_000 })
    await page.getByTestId("rules-apply-button").click()
    await page.getByTestId("rules-applied").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("rules-active-row").count()).toBe(9)

    const malformed = JSON.parse(fixture) as { rules: Array<{ id: string; conditions: Record<string, unknown> }> }
    const perfect = malformed.rules.find((rule) => rule.id === "perfect-condition")!
    perfect.conditions.grades = ["like-new"]
    await page.getByTestId("rules-editor").fill(JSON.stringify(malformed, null, 2))
    await page.getByTestId("rules-apply-button").click()
    const error = page.getByTestId("rules-error")
    await error.waitFor({ timeout: 15_000 })
    const text = await error.innerText()
    expect(text).toContain("perfect-condition")
    expect(text).toContain("conditions.grades")
    expect(text).toContain("bisherigen Regeln bleiben aktiv")
    await page.getByTestId("rules-still-active").waitFor()
    expect(await page.getByTestId("rules-active-row").count()).toBe(9)
    expect(await page.locator('[data-testid="rules-active-row"][data-rule="perfect-condition"]').count()).toBe(1)
    // The manager screen is long: the shot is what the manager sees with the rules card scrolled into view.
    await page.getByTestId("rules-card").evaluate((element) => element.scrollIntoView({ block: "start" }))
    await screenshot("manager-rules-error", false)
  })

  it("ran without script errors", () => {
    expect(pageProblems).toEqual([])
  })
})
