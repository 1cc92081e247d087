import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LabelServiceSimulator, startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { closeParcel, completeParcel, openOrder, signIn, typeKeys, verifyLines } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const API_KEY = "e2e-dhl-key"

let opened: StationInBrowser | undefined
let service: LabelServiceSimulator | undefined
let workDir = ""
let page: Page
/** SO-100001's parcel (labelled by the web service) and SO-100010's (its request taken in, never answered). */
let labelled = { parcelId: "", trackingNumber: "" }
let unanswered = ""

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** One life of the station on the kept data dir, with `carriers` as its configuration's carriers. */
const startStation = async (life: string, carriers: unknown) => {
  const configFile = join(workDir, `${life}.config.json`)
  writeFileSync(configFile, JSON.stringify({ carriers }))
  opened = await openStationInBrowser(
    `by-hand-${life}`,
    { PACKBENCH_CONFIG: configFile, PACKBENCH_E2E_DHL_KEY: API_KEY },
    [],
    join(workDir, "data")
  )
  page = opened.page
}

/** A call through this browser's own session, as the page would make it past its buttons. */
const callFromPage = (name: string, input: unknown) =>
  page.evaluate(
    async ([call, body]) => {
      const response = await fetch(`/api/call/${call}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      })
      return (await response.json()) as unknown
    },
    [name, input] as const
  )

const parcelOnBench = async () => {
  const state = await opened!.station.call("pack.state", {})
  return (state as { readonly value: { readonly parcel: { readonly parcelId: string } } }).value.parcel.parcelId
}

beforeAll(async () => {
  service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: API_KEY })
  workDir = mkdtempSync(join(tmpdir(), "pb-by-hand-"))
}, 60_000)

afterAll(async () => {
  await opened?.close()
  await service?.close()
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true })
})

describe("a carrier no longer set up for its API: a parcel held for it, and shipments cancelled by hand", () => {
  it("first life, DHL Paket on its API: one parcel labelled, one whose request the service took in and never answered", async () => {
    await startStation("api", {
      "dhl-paket": { type: "api", baseUrl: service!.url, apiKeyEnv: "PACKBENCH_E2E_DHL_KEY", timeoutMs: 2000 }
    })
    await signIn(page, "B-1001")
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    await verifyLines(page, [
      { sku: "ALP-MUG-01", scan: "4260123450014", quantity: 2 },
      { sku: "ALP-SOCK-M", scan: "4260123450038", quantity: 1 }
    ])
    labelled = { trackingNumber: await closeParcel(page, { box: 1, grams: 860 }), parcelId: await parcelOnBench() }
    expect(labelled.trackingNumber).toMatch(/^JJD\d{10}$/)

    await service!.stall()
    await openOrder(page, "SO-100010", "ALP-CUP-SET")
    await verifyLines(page, [{ sku: "ALP-CUP-SET", scan: "4260123450090", quantity: 2 }])
    await completeParcel(page, { box: 1, grams: 670 })
    await page.getByTestId("label-pending").waitFor({ timeout: 30_000 })
    unanswered = await parcelOnBench()
    await opened!.close()
    opened = undefined
    await service!.up()
  }, 180_000)

  it("second life, DHL Paket offline: the parcel is held, not labelled from the station's numbers, and says why", async () => {
    await startStation("offline", {})
    const pill = page.getByTestId("labels-api-gone")
    await pill.waitFor({ timeout: 90_000 })
    expect(await pill.innerText()).toBe(
      "Spediteur nicht mehr per API, Etikettanfrage evtl. angekommen: 1 – zurückgehalten"
    )
    expect(await page.getByTestId("pending-labels").count()).toBe(0)
    await page.keyboard.press("F3")
    const held = page.locator(`[data-testid="held-parcel"][data-parcel="${unanswered}"]`)
    await held.waitFor({ timeout: 15_000 })
    expect(await held.getAttribute("data-reason")).toBe("label-api-gone")
    const reason = await held.getByTestId("held-reason").innerText()
    expect(reason).toContain("Zurückgehalten: Spediteur nicht mehr per API eingerichtet")
    expect(reason).toContain("Eine Anfrage nach dem Etikett hat DHL Paket vielleicht erreicht")
    // No label printed, and the label service was asked nothing in this life.
    expect(opened!.station.simulatedPrinters.label!.jobs()).toHaveLength(0)
    await screenshot("by-hand-label-held-de")
  }, 150_000)

  it("lets a manager void both parcels: each shipment is listed to cancel in the carrier's portal", async () => {
    await signIn(page, "B-9001")
    const held = page.locator(`[data-testid="held-parcel"][data-parcel="${unanswered}"]`)
    await held.getByTestId("held-void").click()
    await page.getByTestId("held-void-form").waitFor({ timeout: 15_000 })
    await typeKeys(page, "Kunde wartet zu lange")
    await held.waitFor({ state: "detached", timeout: 15_000 })
    await page.getByTestId("labels-api-gone").waitFor({ state: "detached", timeout: 15_000 })
    // The labelled parcel is not held: voided as from the Pack screen, through this browser's session.
    expect(await callFromPage("pack.void", { parcelId: labelled.parcelId, reason: "Karton beschädigt" })).toMatchObject(
      {
        ok: true
      }
    )

    const card = page.getByTestId("by-hand-card")
    await expect
      .poll(() => card.getByTestId("by-hand-cancellation").count(), { timeout: 120_000, interval: 1_000 })
      .toBe(2)
    const pill = page.getByTestId("cancellations-by-hand")
    await pill.getByText("Spediteur nicht mehr per API eingerichtet: 2 – im Portal stornieren").waitFor({
      timeout: 15_000
    })
    const rowOf = (parcelId: string) => card.locator(`[data-testid="by-hand-cancellation"][data-parcel="${parcelId}"]`)
    const known = await rowOf(labelled.parcelId).innerText()
    expect(known).toContain(labelled.trackingNumber)
    expect(known).toContain("DHL Paket ist an dieser Station nicht mehr per API eingerichtet")
    expect(known).toContain("Storniert, weil: Karton beschädigt")
    expect(known).toContain("Auftrag SO-100001")
    const unknown = await rowOf(unanswered).innerText()
    expect(unknown).toContain(`Nummer unbekannt – im Portal nach Paket ${unanswered} suchen`)
    expect(unknown).toContain("Storniert, weil: Kunde wartet zu lange")
    await screenshot("by-hand-listed-de")
  }, 180_000)

  it("shows a packer the list without the close, and the station refuses a packer's close, audited", async () => {
    await signIn(page, "B-1001")
    const card = page.getByTestId("by-hand-card")
    await card.getByText("Abschließen darf hier nur die Leitung").waitFor({ timeout: 15_000 })
    expect(await card.getByTestId("by-hand-close").count()).toBe(0)
    expect(
      await callFromPage("pack.closeCancellationByHand", { parcelId: labelled.parcelId, reference: "ich darf nicht" })
    ).toMatchObject({ ok: false, error: { code: "role-required" } })
    await screenshot("by-hand-packer-de")
  }, 60_000)

  it("lets a manager close one with the portal's reference: the count drops, the audit shows who; refusals in words", async () => {
    await signIn(page, "B-9001")
    const card = page.getByTestId("by-hand-card")
    const row = card.locator(`[data-testid="by-hand-cancellation"][data-parcel="${labelled.parcelId}"]`)
    await row.getByTestId("by-hand-close").click()
    const form = card.getByTestId("by-hand-close-form")
    await form.waitFor({ timeout: 15_000 })
    expect(await form.innerText()).toContain(`Sendung ${labelled.trackingNumber} von DHL Paket`)
    await page.keyboard.press("Enter")
    expect(await form.getByTestId("by-hand-close-confirm").isDisabled()).toBe(true)
    await screenshot("by-hand-close-form-de")
    await typeKeys(page, "Storno 4711")
    const closed = card.getByTestId("by-hand-closed")
    await closed.waitFor({ timeout: 15_000 })
    expect(await closed.innerText()).toBe(
      `✔ Sendung ${labelled.trackingNumber} von DHL Paket als im Portal storniert festgehalten.`
    )
    await row.waitFor({ state: "detached", timeout: 15_000 })
    await page
      .getByTestId("cancellations-by-hand")
      .getByText("Spediteur nicht mehr per API eingerichtet: 1 – im Portal stornieren")
      .waitFor({ timeout: 15_000 })

    const twice = await callFromPage("pack.closeCancellationByHand", { parcelId: labelled.parcelId, reference: "x" })
    expect(twice).toMatchObject({ ok: false, error: { code: "cancellation-closed" } })
    const nobody = await callFromPage("pack.closeCancellationByHand", { parcelId: "PACK-99-999999", reference: "x" })
    expect(nobody).toMatchObject({ ok: false, error: { code: "cancellation-unknown" } })

    const audit = page.getByTestId("audit-entries")
    const done = audit.locator('tr[data-action="pack.closeCancellationByHand"][data-outcome="done"]')
    await done.waitFor({ timeout: 15_000 })
    expect(await done.innerText()).toContain("Stornierung im Portal abschließen")
    expect(await done.innerText()).toContain("Katrin Vogel")
    expect(await done.innerText()).toContain("Storno 4711")
    await screenshot("by-hand-closed-de")

    await page.getByRole("button", { name: "EN", exact: true }).click()
    await card
      .getByRole("heading", { name: "Shipments to cancel in the carrier's portal" })
      .waitFor({ timeout: 15_000 })
    const left = await card.getByTestId("by-hand-cancellation").innerText()
    expect(left).toContain(`number unknown – look it up in the portal by parcel ${unanswered}`)
    expect(left).toContain("DHL Parcel is no longer set up for its API at this station")
    // The portal shows no shipment for the parcel: closed with a note of where the manager looked, no reference.
    await card.getByTestId("by-hand-close").click()
    await form.getByTestId("by-hand-close-no-shipment").check()
    await form.getByText("Note (required): where and how you looked in the portal").waitFor({ timeout: 15_000 })
    await form.getByTestId("by-hand-close-note").focus()
    await typeKeys(page, "Searched the portal by parcel id and order: nothing")
    await card
      .getByTestId("by-hand-closed")
      .getByText(`DHL Parcel shipment of parcel ${unanswered}: none found at the carrier – recorded so.`, {
        exact: false
      })
      .waitFor({ timeout: 15_000 })
    await page.getByTestId("cancellations-by-hand").waitFor({ state: "detached", timeout: 15_000 })
    // The refused tries are on record too (the audit reloads with the close's status push).
    const refused = audit.locator('tr[data-action="pack.closeCancellationByHand"][data-outcome="refused"]')
    expect(await refused.allInnerTexts()).toEqual(
      expect.arrayContaining([
        expect.stringContaining("role-required"),
        expect.stringContaining("cancellation-closed"),
        expect.stringContaining("cancellation-unknown")
      ])
    )
    await screenshot("by-hand-closed-en")
  }, 120_000)

  it("lets a manager reopen a close entered by mistake, with a reason: listed again, counted, audited; the close stays", async () => {
    await page.getByRole("button", { name: "DE", exact: true }).click()
    const card = page.getByTestId("by-hand-card")
    await card
      .getByRole("heading", { name: "In den letzten 30 Tagen als im Portal erledigt abgeschlossen" })
      .waitFor({ timeout: 15_000 })
    const closedRow = card.locator(`[data-testid="by-hand-closed-row"][data-parcel="${labelled.parcelId}"]`)
    expect(await closedRow.innerText()).toContain(labelled.trackingNumber)
    expect(await closedRow.getByTestId("by-hand-closed-with").innerText()).toBe("„Storno 4711“")
    expect(await closedRow.innerText()).toContain("von B-9001")
    const noShipment = card.locator(`[data-testid="by-hand-closed-row"][data-parcel="${unanswered}"]`)
    expect(await noShipment.getByTestId("by-hand-closed-with").innerText()).toBe(
      "Keine Sendung beim Spediteur gefunden\n„Searched the portal by parcel id and order: nothing“"
    )
    await closedRow.getByTestId("by-hand-reopen").click()
    const form = card.getByTestId("by-hand-reopen-form")
    await form.waitFor({ timeout: 15_000 })
    expect(await form.innerText()).toContain(
      `Abschluss für Sendung ${labelled.trackingNumber} von DHL Paket zurücknehmen`
    )
    await page.keyboard.press("Enter")
    expect(await form.getByTestId("by-hand-reopen-confirm").isDisabled()).toBe(true)
    await typeKeys(page, "Storno 4711 gehört zu einer anderen Sendung")
    await card.getByTestId("by-hand-reopened").waitFor({ timeout: 15_000 })
    expect(await card.getByTestId("by-hand-reopened").innerText()).toBe(
      `✔ Stornierung der Sendung von Paket ${labelled.parcelId} bei DHL Paket wieder offen: im Portal stornieren.`
    )
    await card
      .locator(`[data-testid="by-hand-cancellation"][data-parcel="${labelled.parcelId}"]`)
      .waitFor({ timeout: 15_000 })
    await closedRow.waitFor({ state: "detached", timeout: 15_000 })
    await page
      .getByTestId("cancellations-by-hand")
      .getByText("Spediteur nicht mehr per API eingerichtet: 1 – im Portal stornieren")
      .waitFor({ timeout: 15_000 })
    const again = await callFromPage("pack.reopenCancellationByHand", { parcelId: labelled.parcelId, reason: "x" })
    expect(again).toMatchObject({ ok: false, error: { code: "cancellation-open" } })
    const done = page
      .getByTestId("audit-entries")
      .locator('tr[data-action="pack.reopenCancellationByHand"][data-outcome="done"]')
    await done.waitFor({ timeout: 15_000 })
    expect(await done.innerText()).toContain("Stornierung im Portal wieder öffnen")
    expect(await done.innerText()).toContain("Storno 4711 gehört zu einer anderen Sendung")
    await screenshot("by-hand-reopened-de")
  }, 120_000)

  it("ran without script errors", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
