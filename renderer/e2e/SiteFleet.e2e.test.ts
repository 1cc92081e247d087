import { join } from "node:path"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { presenceMessage } from "../../core/sync/Presence.ts"
import type { OutboxHealthMessage } from "../../core/sync/SiteFleetSummary.ts"
import { encodeJson, Topics } from "../../core/sync/Topics.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"
import { wrappedMatches } from "./wrappedMatches.ts"

let opened: StationInBrowser | undefined

beforeAll(async () => {
  opened = await openStationInBrowser("site-fleet", { PACKBENCH_SITE_ID: "HAM1", PACKBENCH_STATION_ID: "PACK-01" })
}, 120_000)

afterAll(() => opened?.close())

const outboxReport = (siteId: string, stationId: string, depth: number, oldestAgeMs: number | null) => {
  const at = Date.now()
  const report: OutboxHealthMessage = {
    at,
    siteId,
    stationId,
    epoch: `E-${stationId}`,
    depth,
    oldestUnconfirmedAt: oldestAgeMs === null ? null : at - oldestAgeMs,
    lastConfirmedSeq: 40
  }
  return Buffer.from(encodeJson(report))
}

describe("the Manager screen's table of the site's stations at the hub", () => {
  it("lists every station of this site from the embedded hub's summary, with presence, outbox and oldest unconfirmed", async () => {
    const { page, station, pageProblems } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F3")
    const card = page.getByTestId("site-fleet-card")
    // This station reports its own outbox; the embedded hub sends the summary down.
    await card.locator('[data-station="PACK-01"][data-presence="online"]').waitFor({ timeout: 30_000 })

    // Two more benches of the site and one of another site, as they would announce themselves to the hub.
    const bench = async (siteId: string, stationId: string) =>
      mqtt.connectAsync(station.brokerUrl, {
        protocolVersion: 4,
        ...(await enrolEmbeddedClient(station.config.dataDir, { role: "station", siteId, stationId }))
      })
    const identity = (siteId: string, stationId: string) => ({ siteId, stationId, epoch: `E-${stationId}` })
    const retained = { qos: 1, retain: true } as const
    const pack02 = await bench("HAM1", "PACK-02")
    await pack02.publishAsync(
      Topics.presence("HAM1", "PACK-02"),
      Buffer.from(encodeJson(presenceMessage(identity("HAM1", "PACK-02"), "online", Date.now() - 3_600_000))),
      retained
    )
    await pack02.publishAsync(
      Topics.outboxHealth("HAM1", "PACK-02"),
      outboxReport("HAM1", "PACK-02", 7, 180_000),
      retained
    )
    const pack03 = await bench("HAM1", "PACK-03")
    await pack03.publishAsync(
      Topics.presence("HAM1", "PACK-03"),
      Buffer.from(encodeJson(presenceMessage(identity("HAM1", "PACK-03"), "offline", Date.now() - 7_200_000))),
      retained
    )
    await pack03.publishAsync(
      Topics.outboxHealth("HAM1", "PACK-03"),
      outboxReport("HAM1", "PACK-03", 0, null),
      retained
    )
    const berlin = await bench("BER1", "PACK-09")
    await berlin.publishAsync(
      Topics.presence("BER1", "PACK-09"),
      Buffer.from(encodeJson(presenceMessage(identity("BER1", "PACK-09"), "online", Date.now()))),
      retained
    )
    await berlin.publishAsync(
      Topics.outboxHealth("BER1", "PACK-09"),
      outboxReport("BER1", "PACK-09", 99, 60_000),
      retained
    )

    await card
      .locator('[data-station="PACK-02"] [data-testid="fleet-depth"]')
      .getByText("7")
      .waitFor({ timeout: 30_000 })
    await card.locator('[data-station="PACK-03"][data-presence="offline"]').waitFor({ timeout: 30_000 })

    const cells = async (id: string) =>
      (await card.locator(`[data-station="${id}"] td`).allInnerTexts()).map((text) => text.replace(/\s+/g, " ").trim())
    expect(
      await card.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-station")))
    ).toEqual(["PACK-01", "PACK-02", "PACK-03"])
    const self = await cells("PACK-01")
    expect(self[0]).toBe("PACK-01 · this station")
    expect(self[1]).toMatch(/^online for \d+ (s|min)/)
    expect(self[2]).toMatch(/^\d+$/)
    const pack02Cells = await cells("PACK-02")
    expect(pack02Cells.slice(0, 3)).toEqual(["PACK-02", expect.stringMatching(/^online for 1 h/), "7"])
    expect(pack02Cells[3]).toMatch(/^3 min( \d+ s)?$/)
    // The hub never got an event of PACK-02's: nothing applied.
    expect(pack02Cells[4]).toBe("0")
    expect(await cells("PACK-03")).toEqual(["PACK-03", "offline for 2 h · stopped cleanly", "0", "all confirmed", "0"])
    expect(await card.locator('[data-station="PACK-01"]').getAttribute("class")).toBe("fleet-self")
    expect(await card.getByTestId("site-fleet-age").innerText()).toMatch(/^From the hub, \d+ s ago$/)

    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet-card.png") })
    await page.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet.png"), fullPage: true })

    await page.getByRole("button", { name: "DE", exact: true }).click()
    await card.getByText("Stationen des Standorts am Hub").waitFor()
    expect(await cells("PACK-03")).toEqual([
      "PACK-03",
      "offline seit 2 h · ordnungsgemäß beendet",
      "0",
      "alle bestätigt",
      "0"
    ])
    expect(await card.locator("thead th").allInnerTexts()).toEqual([
      "STATION",
      "PRÄSENZ",
      "AUSGANG",
      "ÄLTESTE UNBESTÄTIGTE",
      "ÜBERNOMMEN"
    ])
    await card.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet-card-de.png") })

    // At 1024 px, squeezed as a crowded table is, each station id stays on one line: no break at its hyphen.
    await page.setViewportSize({ width: 1024, height: 800 })
    // Every column in view, every heading whole ("Älteste unbestätigte"): nothing to scroll to inside the card.
    expect(await card.locator(".table-scroll").evaluate((scroll) => scroll.scrollWidth - scroll.clientWidth)).toBe(0)
    await card.locator("table").evaluate((table) => {
      // A fixed layout takes the column's width from its heading: the station column 1 px wide.
      ;(table as HTMLElement).style.tableLayout = "fixed"
      ;(table.querySelector("th") as HTMLElement).style.width = "1px"
    })
    const wrappedIds = await wrappedMatches(card.locator("tbody"), "PACK-\\d+")
    await card.locator("table").evaluate((table) => {
      ;(table as HTMLElement).style.tableLayout = ""
      ;(table.querySelector("th") as HTMLElement).style.width = ""
    })
    expect(wrappedIds).toEqual([])
    await card.screenshot({ path: join(SCREENSHOTS, "german-1024-manager-stations.png") })

    for (const client of [pack02, pack03, berlin]) await client.endAsync()
    expect(pageProblems).toEqual([])
  }, 180_000)
})
