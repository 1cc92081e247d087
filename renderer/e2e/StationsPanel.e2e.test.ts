import { join } from "node:path"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { presenceMessage, presenceWill } from "../../core/sync/Presence.ts"
import { encodeJson, Topics } from "../../core/sync/Topics.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser | undefined

beforeAll(async () => {
  opened = await openStationInBrowser("stations", { PACKBENCH_SITE_ID: "HAM1", PACKBENCH_STATION_ID: "PACK-01" })
}, 120_000)

afterAll(() => opened?.close())

const identity = (stationId: string) => ({ siteId: "HAM1", stationId, epoch: `E-${stationId}` })
const payload = (stationId: string, state: "online" | "offline", at: number) =>
  Buffer.from(encodeJson(presenceMessage(identity(stationId), state, at)))

describe("the Manager screen's stations panel", () => {
  it("lists every station of the site: online green, offline grey with since when and why", async () => {
    const { page, station, pageProblems } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F3")
    const card = page.getByTestId("stations-card")
    await card.locator('[data-station="PACK-01"][data-state="online"]').waitFor({ timeout: 20_000 })

    // A second bench that loses its link: the broker publishes its last will while the panel is open.
    const will = presenceWill(identity("PACK-02"), Date.now() - 3 * 3_600_000)
    const enrol = (stationId: string) =>
      enrolEmbeddedClient(station.config.dataDir, { role: "station", siteId: "HAM1", stationId })
    const bench = await mqtt.connectAsync(station.brokerUrl, {
      protocolVersion: 4,
      ...(await enrol("PACK-02")),
      reconnectPeriod: 0,
      will: { topic: will.topic, payload: Buffer.from(will.payload), retain: true, qos: 1 }
    })
    await bench.publishAsync(Topics.presence("HAM1", "PACK-02"), payload("PACK-02", "online", Date.now() - 3_600_000), {
      qos: 1,
      retain: true
    })
    await card.locator('[data-station="PACK-02"][data-state="online"]').waitFor({ timeout: 20_000 })
    // PACK-03 said goodbye two hours ago: its retained "offline" is what the panel finds.
    const manager = await mqtt.connectAsync(station.brokerUrl, { protocolVersion: 4, ...(await enrol("PACK-03")) })
    await manager.publishAsync(
      Topics.presence("HAM1", "PACK-03"),
      payload("PACK-03", "offline", Date.now() - 7_200_000),
      {
        qos: 1,
        retain: true
      }
    )
    bench.stream.destroy()
    await card.locator('[data-station="PACK-02"][data-state="offline"]').waitFor({ timeout: 20_000 })
    await card.locator('[data-station="PACK-03"][data-state="offline"]').waitFor({ timeout: 20_000 })

    const row = async (id: string) => (await card.locator(`[data-station="${id}"]`).innerText()).replace(/\s+/g, " ")
    expect(await row("PACK-01")).toMatch(
      /^PACK-01 · this station · version \d+\.\d+\.\d+\S* online for \d+ s number block 0 of 1$/
    )
    expect(await row("PACK-02")).toMatch(/^PACK-02 offline for \d+ s · connection lost$/)
    expect(await row("PACK-03")).toBe("PACK-03 offline for 2 h · stopped cleanly")
    const dot = (id: string) => card.locator(`[data-station="${id}"] .state-dot`)
    expect(await dot("PACK-01").getAttribute("class")).toContain("state-ok")
    expect(await dot("PACK-02").getAttribute("class")).toContain("state-unknown")

    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOTS, "8-manager-stations-card.png") })
    await page.screenshot({ path: join(SCREENSHOTS, "8-manager-stations.png"), fullPage: true })

    await page.getByRole("button", { name: "DE", exact: true }).click()
    await card.getByText("Stationen am Standort").waitFor()
    expect(await row("PACK-02")).toMatch(/^PACK-02 offline seit \d+ s · Verbindung verloren$/)
    expect(await row("PACK-03")).toBe("PACK-03 offline seit 2 h · ordnungsgemäß beendet")

    // Each station clears only its own presence: the broker lets no other login touch it.
    await manager.publishAsync(Topics.presence("HAM1", "PACK-03"), "", { qos: 1, retain: true })
    const again = await mqtt.connectAsync(station.brokerUrl, { protocolVersion: 4, ...(await enrol("PACK-02")) })
    await again.publishAsync(Topics.presence("HAM1", "PACK-02"), "", { qos: 1, retain: true })
    await again.endAsync()
    await card.locator('[data-station="PACK-03"]').waitFor({ state: "detached", timeout: 20_000 })
    await manager.endAsync()
    bench.end(true)
    expect(pageProblems).toEqual([])
  }, 180_000)

  it("keeps this running station online when an old last will of its own arrives, and names a bench on its number block", async () => {
    const { page, station, pageProblems } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    const card = page.getByTestId("stations-card")
    const enrol = (stationId: string) =>
      enrolEmbeddedClient(station.config.dataDir, { role: "station", siteId: "HAM1", stationId })
    // The will of an earlier connection of this very station, retained at the broker (a takeover, a restart): sent
    // with a login of PACK-01's beside the running one (its own client id, with a suffix).
    const earlier = await enrol("PACK-01")
    const previous = await mqtt.connectAsync(station.brokerUrl, {
      protocolVersion: 4,
      ...earlier,
      clientId: `${earlier.clientId}-earlier`
    })
    const staleWill = presenceWill(identity("PACK-01"), Date.now() - 600_000)
    await previous.publishAsync(staleWill.topic, Buffer.from(staleWill.payload), { qos: 1, retain: true })
    await previous.endAsync()
    const manager = await mqtt.connectAsync(station.brokerUrl, { protocolVersion: 4, ...(await enrol("PACK-04")) })
    // A second bench installed without numbering settings: it issues from the whole range, as this one does.
    await manager.publishAsync(
      Topics.presence("HAM1", "PACK-04"),
      Buffer.from(
        encodeJson({
          ...presenceMessage(identity("PACK-04"), "online", Date.now()),
          numbering: { stationIndex: 0, stations: 1 }
        })
      ),
      { qos: 1, retain: true }
    )
    await card.getByTestId("station-numbering-clash").first().waitFor({ timeout: 20_000 })
    // Give the stale will every chance to be shown, then check it was not.
    await page.waitForTimeout(1_000)
    expect(await card.locator('[data-station="PACK-01"]').getAttribute("data-state")).toBe("online")
    expect(await card.locator('[data-station="PACK-01"] [data-testid="station-numbering-clash"]').innerText()).toBe(
      "Same number block as PACK-04: parcel numbers can repeat. Give each station its own numbering.stationIndex."
    )
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOTS, "8-manager-stations-numbering-clash.png") })
    // The station answered its stale will with a new birth: a dashboard subscribing now learns it is online.
    const retained = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no retained presence of PACK-01")), 10_000)
      manager.on("message", (topic, message, packet) => {
        if (topic === Topics.presence("HAM1", "PACK-01") && packet.retain) {
          clearTimeout(timer)
          resolve(JSON.parse(message.toString()).state as string)
        }
      })
      manager.subscribe(Topics.presence("HAM1", "PACK-01"), { qos: 1 })
    })
    expect(retained).toBe("online")
    await manager.publishAsync(Topics.presence("HAM1", "PACK-04"), "", { qos: 1, retain: true })
    await manager.endAsync()
    expect(pageProblems).toEqual([])
  }, 120_000)
})
