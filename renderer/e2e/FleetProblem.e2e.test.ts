import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { presenceMessage } from "../../core/sync/Presence.ts"
import type { FleetStation, SiteFleetSummary } from "../../core/sync/SiteFleetSummary.ts"
import { encodeJson, Topics } from "../../core/sync/Topics.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser | undefined
let configDir = ""

beforeAll(async () => {
  // No embedded hub: its summaries would replace the test's on the hub's topic. The test speaks as the hub instead,
  // with a hub login of the station's embedded broker.
  configDir = mkdtempSync(join(tmpdir(), "packbench-fleet-problem-config-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(configFile, JSON.stringify({ hub: { embedded: false } }))
  opened = await openStationInBrowser("fleet-problem", {
    PACKBENCH_CONFIG: configFile,
    PACKBENCH_SITE_ID: "HAM1",
    PACKBENCH_STATION_ID: "PACK-01"
  })
}, 120_000)

afterAll(async () => {
  await opened?.close()
  if (configDir !== "") rmSync(configDir, { recursive: true, force: true })
})

const fleetStation = (stationId: string, depth: number): FleetStation => ({
  stationId,
  presence: "online",
  presenceSinceMs: Date.now() - 60_000,
  outboxDepth: depth,
  outboxReportedAtMs: Date.now(),
  oldestUnconfirmedAtMs: depth === 0 ? null : Date.now() - 30_000,
  lastAppliedSeq: 5,
  lastAppliedAtMs: Date.now(),
  heldAtHub: 0,
  gapAtHub: 0
})
const summary = (siteId: string, depth: number): SiteFleetSummary => ({
  version: 1,
  siteId,
  at: Date.now(),
  stations: [fleetStation("PACK-01", depth)]
})

describe("the Manager screen's fleet cards when a message from the hub or a station is refused", () => {
  it("say why in the bench's language, with the station's technical detail apart and shown as text", async () => {
    const { page, station, pageProblems } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F3")
    const siteCard = page.getByTestId("site-fleet-card")
    const stationsCard = page.getByTestId("stations-card")
    await stationsCard.locator('[data-station="PACK-01"][data-state="online"]').waitFor({ timeout: 30_000 })

    const retained = { qos: 1, retain: true } as const
    const hub = await mqtt.connectAsync(station.brokerUrl, {
      protocolVersion: 4,
      ...(await enrolEmbeddedClient(station.config.dataDir, { role: "hub" }))
    })
    await hub.publishAsync(Topics.siteFleet("HAM1"), Buffer.from(encodeJson(summary("HAM1", 4))), retained)
    await siteCard.locator('[data-station="PACK-01"] [data-testid="fleet-depth"]').getByText("4").waitFor()

    // A hub that mixed up its sites: the summary of BER1 on HAM1's topic is refused, the one before stays.
    await hub.publishAsync(Topics.siteFleet("HAM1"), Buffer.from(encodeJson(summary("BER1", 99))), retained)
    const siteProblem = siteCard.getByTestId("fleet-problem")
    await siteProblem.waitFor({ timeout: 20_000 })
    expect(await siteProblem.getAttribute("role")).toBe("alert")
    expect(await siteProblem.getAttribute("data-code")).toBe("summary-other-site")
    expect(await siteProblem.innerText()).toBe(
      "The hub's last summary was refused: it is another site's.\nDetails: a summary of site BER1"
    )
    expect(await siteCard.locator('[data-station="PACK-01"] [data-testid="fleet-depth"]').innerText()).toBe("4")

    // PACK-02 announces itself, then its next presence message is not one.
    const pack02 = await mqtt.connectAsync(station.brokerUrl, {
      protocolVersion: 4,
      ...(await enrolEmbeddedClient(station.config.dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" }))
    })
    await pack02.publishAsync(
      Topics.presence("HAM1", "PACK-02"),
      Buffer.from(
        encodeJson(presenceMessage({ siteId: "HAM1", stationId: "PACK-02", epoch: "E2" }, "online", Date.now()))
      ),
      retained
    )
    await stationsCard.locator('[data-station="PACK-02"][data-state="online"]').waitFor({ timeout: 20_000 })
    await pack02.publishAsync(Topics.presence("HAM1", "PACK-02"), '{"state":"asleep"}', { qos: 1 })
    const pack02Problem = stationsCard.locator('[data-station="PACK-02"] [data-testid="fleet-problem"]')
    await pack02Problem.waitFor({ timeout: 20_000 })
    expect(await pack02Problem.getAttribute("data-code")).toBe("presence-invalid")
    expect((await pack02Problem.innerText()).split("\n")[0]).toBe(
      "The station's last presence message was not a valid presence message; the state shown is the one before."
    )
    expect(await pack02Problem.getByTestId("fleet-problem-detail").innerText()).toMatch(
      /^Details: not a presence message: /
    )
    expect(await stationsCard.locator('[data-station="PACK-02"]').getAttribute("data-state")).toBe("online")
    await siteCard.scrollIntoViewIfNeeded()
    await siteCard.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet-refused-card.png") })
    await stationsCard.screenshot({ path: join(SCREENSHOTS, "8-manager-stations-presence-problem-card.png") })

    await page.getByRole("button", { name: "DE", exact: true }).click()
    await siteCard.getByText("Stationen des Standorts am Hub").waitFor()
    expect(await siteProblem.innerText()).toBe(
      "Die letzte Übersicht des Hubs wurde abgelehnt: sie gehört zu einem anderen Standort.\nDetails: a summary of site BER1"
    )
    expect((await pack02Problem.innerText()).split("\n")[0]).toBe(
      "Die letzte Präsenzmeldung der Station war keine gültige Präsenzmeldung; gezeigt ist der Stand davor."
    )

    // Whatever a hostile payload makes the decoder quote is a line of text, never markup.
    await hub.publishAsync(Topics.siteFleet("HAM1"), "<img src=x onerror=alert(1)>", retained)
    await siteCard.locator('[data-code="summary-unreadable"]').waitFor({ timeout: 20_000 })
    expect(await siteProblem.innerText()).toMatch(
      /^Die letzte Übersicht des Hubs wurde abgelehnt: sie ist unlesbar \(kein Text oder kein JSON\)\.\nDetails: not JSON: .*<img/
    )
    expect(await siteCard.locator("img").count()).toBe(0)
    await siteCard.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet-refused-card-de.png") })

    // The hub's next good summary clears the refusal.
    await hub.publishAsync(Topics.siteFleet("HAM1"), Buffer.from(encodeJson(summary("HAM1", 0))), retained)
    await siteProblem.waitFor({ state: "detached", timeout: 20_000 })
    expect(await siteCard.locator('[data-station="PACK-01"] [data-testid="fleet-depth"]').innerText()).toBe("0")

    // Why a station is offline, in the bench's language: a clean stop, the last will's words (which the previous
    // release sends too), and words this version does not know, shown as a neutral sentence with the station's text
    // as the quiet details line.
    const offlineWith = async (stationId: string, reason: string | undefined) => {
      const client = await mqtt.connectAsync(station.brokerUrl, {
        protocolVersion: 4,
        ...(await enrolEmbeddedClient(station.config.dataDir, { role: "station", siteId: "HAM1", stationId }))
      })
      const message = presenceMessage({ siteId: "HAM1", stationId, epoch: "E3" }, "offline", Date.now(), reason)
      await client.publishAsync(Topics.presence("HAM1", stationId), Buffer.from(encodeJson(message)), retained)
      return client
    }
    const others = [
      await offlineWith("PACK-03", "shutting down for update\n[ERROR] forged <b>line</b>"),
      await offlineWith("PACK-04", "connection lost"),
      await offlineWith("PACK-05", undefined)
    ]
    const pack03 = stationsCard.locator('[data-station="PACK-03"][data-offline-reason="unrecognised"]')
    await pack03.waitFor({ timeout: 20_000 })
    await stationsCard.locator('[data-station="PACK-05"][data-offline-reason="stopped"]').waitFor({ timeout: 20_000 })
    expect(await pack03.innerText()).toMatch(
      /^PACK-03\noffline seit \d+ s · Grund unbekannt\nDetails: shutting down for update \[ERROR\] forged <b>line<\/b>$/
    )
    expect(await stationsCard.locator('[data-station="PACK-04"]').innerText()).toMatch(
      /^PACK-04\noffline seit unbekannt · Verbindung verloren · zuletzt gemeldet vor \d+ s$/
    )
    expect(await stationsCard.locator('[data-station="PACK-05"]').innerText()).toMatch(
      /^PACK-05\noffline seit \d+ s · ordnungsgemäß beendet$/
    )
    expect(await stationsCard.locator("b").count()).toBe(0)
    // The hub passes the stations' words on: the site card words them the same way.
    const offlineAtHub = (stationId: string, offlineReason: string | undefined): FleetStation => ({
      ...fleetStation(stationId, 0),
      presence: "offline",
      ...(offlineReason === undefined ? {} : { offlineReason })
    })
    await hub.publishAsync(
      Topics.siteFleet("HAM1"),
      Buffer.from(
        encodeJson({
          ...summary("HAM1", 0),
          stations: [
            fleetStation("PACK-01", 0),
            offlineAtHub("PACK-03", "shutting down for update [ERROR] forged <b>line</b>"),
            offlineAtHub("PACK-04", "connection lost"),
            offlineAtHub("PACK-05", undefined)
          ]
        })
      ),
      retained
    )
    const hubPack03 = siteCard.locator('[data-station="PACK-03"][data-presence="offline"] td').nth(1)
    await hubPack03.waitFor({ timeout: 20_000 })
    expect(await hubPack03.innerText()).toMatch(
      /^offline seit 1 min( \d+ s)? · Grund unbekannt\nDetails: shutting down for update \[ERROR\] forged <b>line<\/b>$/
    )
    // The hub's since is a minute before the summary; the card's clock ticks on while the test reads it.
    expect(await siteCard.locator('[data-station="PACK-04"] td').nth(1).innerText()).toMatch(
      /^offline seit 1 min( \d+ s)? · Verbindung verloren$/
    )
    expect(await siteCard.locator('[data-station="PACK-05"] td').nth(1).innerText()).toMatch(
      /^offline seit 1 min( \d+ s)? · ordnungsgemäß beendet$/
    )
    await stationsCard.screenshot({ path: join(SCREENSHOTS, "8-manager-stations-offline-reasons-de.png") })
    await siteCard.screenshot({ path: join(SCREENSHOTS, "8-manager-site-fleet-offline-reasons-de.png") })
    for (const [index, stationId] of ["PACK-03", "PACK-04", "PACK-05"].entries()) {
      await others[index]?.publishAsync(Topics.presence("HAM1", stationId), "", retained)
      await others[index]?.endAsync()
    }

    await pack02.publishAsync(Topics.presence("HAM1", "PACK-02"), "", retained)
    await hub.publishAsync(Topics.siteFleet("HAM1"), "", retained)
    await pack02.endAsync()
    await hub.endAsync()
    expect(pageProblems).toEqual([])
  }, 180_000)
})
