import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import type { PushMessage } from "../../core/api/StationApi.ts"
import { CookieJar } from "../../fixtures/http/RawHttp.ts"
import { embeddedLogin } from "../../fixtures/mqtt/TestLogins.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

// biome-ignore lint/suspicious/noExplicitAny: responses are asserted field by field
type Json = any

/** This file is one client of the station (a tool on this machine): its session cookie goes with every call. */
const jar = new CookieJar()

const post = async (station: RunningStation, name: string, body: string, host?: string) => {
  const url = new URL(`/api/call/${name}`, station.url)
  return new Promise<{ status: number; json: Json }>((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/json", ...jar.header, ...(host ? { host } : {}) } },
      (res) => {
        jar.take(res)
        let text = ""
        res.on("data", (chunk) => {
          text += chunk
        })
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
      }
    )
    req.on("error", reject)
    req.end(body)
  })
}

describe("the station over HTTP and WebSocket", () => {
  let station: RunningStation
  let dataDir: string
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pb-station-"))
    // No embedded hub here: this file plays the consumer itself, to see exactly when events count as confirmed.
    writeFileSync(join(dataDir, "packbench.config.json"), JSON.stringify({ hub: { embedded: false } }))
    const config = loadConfig({
      cwd: dataDir,
      env: {
        PACKBENCH_DATA_DIR: dataDir,
        PACKBENCH_HTTP_PORT: "0",
        PACKBENCH_EMBEDDED_BROKER_PORT: "0",
        PACKBENCH_STATION_ID: "PACK-07"
      }
    })
    station = await startStation({ config, http: true, log: () => {} })
  })
  afterAll(() => station.close())

  it("starts with its identity and the sample data, each sample order recorded as received", async () => {
    const { json } = await post(station, "station.status", "{}")
    expect(json.ok).toBe(true)
    expect(json.value.stationId).toBe("PACK-07")
    expect(json.value.siteId).toMatch(/^SITE-[0-9A-Z]{4}$/)
    expect(json.value.lastSeq).toBe(12)
    const received = await post(station, "events.recent", '{"limit":20}')
    expect(received.json.value.map((event: Json) => event.type)).toEqual(Array(12).fill("order.received"))
    const orders = await post(station, "orders.open", "{}")
    expect(orders.json.value.map((order: { orderId: string }) => order.orderId)).toContain("SO-100001")
    expect(orders.json.value.map((order: { orderId: string }) => order.orderId)).not.toContain("SO-100007")
  })

  it("answers bad input with an envelope that names the problem", async () => {
    expect((await post(station, "session.signIn", "{not json")).json.error.code).toBe("invalid-json")
    expect((await post(station, "session.signIn", '{"badge": 7}')).json.error).toEqual({
      code: "invalid-input",
      message: "Invalid input for session.signIn",
      details: [{ path: "badge", message: "Expected string, got 7" }]
    })
    expect((await post(station, "no.such.call", "{}")).json.error.code).toBe("unknown-command")
    expect((await post(station, "session.signIn", '{"badge":"B-4711"}')).json.error.code).toBe("badge-unknown")
  })

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const { status, json } = await post(station, "station.status", "{}", "evil.example:80")
    expect(status).toBe(421)
    expect(json.ok).toBe(false)
  })

  it("pushes status to connected UIs and records a badge sign-in as an event", async () => {
    await post(station, "station.status", "{}")
    const socket = new WebSocket(new URL("/api/events", station.url!.replace("http", "ws")), { headers: jar.header })
    await new Promise((resolve, reject) => {
      socket.once("open", resolve)
      socket.once("error", reject)
    })
    const pushes: Array<PushMessage> = []
    socket.on("message", (data) => pushes.push(JSON.parse(String(data))))
    const signIn = await post(station, "scan.submit", '{"raw":"B-1001","source":"manual"}')
    expect(signIn.json.ok).toBe(true)
    const badge = await post(station, "session.signIn", '{"badge":"b-1001"}')
    expect(badge.json.value).toEqual({ badgeId: "B-1001", name: "Jonas Becker", role: "packer" })
    const signedIn = (push: PushMessage) =>
      push.name === "status" && (push.payload as { operator?: { badgeId?: string } }).operator?.badgeId === "B-1001"
    for (let attempt = 0; attempt < 100 && !pushes.some(signedIn); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    socket.close()
    // A status push from before the sign-in (the sync's periodic one) may come first: the sign-in's is looked for.
    const status = pushes.find(signedIn)
    expect(status?.payload).toMatchObject({ operator: { badgeId: "B-1001" } })
    const events = await post(station, "events.recent", '{"limit":10}')
    expect(events.json.value[0]).toMatchObject({ type: "operator.signed-in", actor: "Jonas Becker" })
  })

  it("prints a test label through the simulated printer and serves what it rendered", async () => {
    const job = await post(station, "printer.testPrint", '{"printer":"label"}')
    expect(job.json.value.state).toBe("queued")
    let printed: Json
    for (let attempt = 0; attempt < 100 && printed?.previewUrl === undefined; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      printed = (await post(station, "printer.jobs", "{}")).json.value.find(
        (candidate: Json) => candidate.id === job.json.value.id
      )
    }
    expect(printed).toMatchObject({ state: "printed", attempts: 1 })
    expect(existsSync(join(dataDir, "printouts", "label", "job-0001.zpl"))).toBe(true)
    const base = station.url!
    const png = await fetch(new URL(printed.previewUrl, base))
    expect(png.headers.get("content-type")).toBe("image/png")
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString()
    ).toBe("PNG")
    const traversal = await fetch(new URL("/printouts/..%2F..%2Fstation.db", base))
    expect(traversal.status).toBe(404)
  })

  it("publishes its events over the embedded broker and counts them confirmed only after the consumer's ack", async () => {
    const status = async () => (await post(station, "station.status", "{}")).json.value
    const before = await status()
    const consumer = await mqtt.connectAsync(before.sync.brokerUrl, {
      protocolVersion: 4,
      clientId: "test-hub",
      ...embeddedLogin(dataDir, "hub")
    })
    const received: Array<{ epoch: string; seq: number; type: string }> = []
    consumer.on("message", (_topic, payload) => received.push(JSON.parse(payload.toString())))
    await consumer.subscribeAsync(`packbench/v1/${before.siteId}/${before.stationId}/events/#`, { qos: 1 })
    await post(station, "session.signOut", "{}")
    await post(station, "session.enterPin", JSON.stringify({ badge: SAMPLE_MANAGER.badgeId, pin: SAMPLE_MANAGER.pin }))
    for (
      let attempt = 0;
      attempt < 100 && !received.some((event) => event.type === "operator.signed-in" && event.seq > 1);
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const last = received.at(-1)!
    expect(last.type).toBe("operator.signed-in")
    const unconfirmed = await status()
    expect(unconfirmed.sync.broker).toBe("connected")
    expect(unconfirmed.sync.depth).toBeGreaterThan(0)
    await consumer.publishAsync(
      `packbench/v1/${before.siteId}/${before.stationId}/acks`,
      JSON.stringify({ epoch: last.epoch, seq: last.seq }),
      { qos: 1 }
    )
    let confirmed = await status()
    for (let attempt = 0; attempt < 100 && confirmed.sync.depth > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      confirmed = await status()
    }
    await consumer.endAsync()
    expect(confirmed.sync).toMatchObject({ depth: 0, lastConfirmedSeq: confirmed.lastSeq })
  })

  it("takes catalog updates from the shop, and quarantines what it cannot apply where a manager can see it", async () => {
    const status = (await post(station, "station.status", "{}")).json.value
    const shop = await mqtt.connectAsync(status.sync.brokerUrl, {
      protocolVersion: 4,
      clientId: "test-shop",
      ...embeddedLogin(dataDir, "shop")
    })
    const inbox = (type: string) => `packbench/v1/${status.siteId}/${status.stationId}/inbox/${type}`
    const item = {
      sku: "ALP-CAP-01",
      gtin: "4260123450991",
      name: { de: "Schirmmütze", en: "Cap" },
      aliases: ["CAP1"],
      weightGrams: 80,
      category: "apparel",
      binHint: "B-09-01",
      icon: "cap",
      requiresSerial: false,
      requiresLot: false
    }
    await shop.publishAsync(
      inbox("catalog.upsert"),
      JSON.stringify({ msgId: "cat-1", seq: 1, type: "catalog.upsert", version: 7, payload: { items: [item] } }),
      { qos: 1 }
    )
    await shop.publishAsync(
      inbox("rules.update"),
      JSON.stringify({
        msgId: "rules-1",
        seq: 2,
        type: "rules.update",
        version: 3,
        payload: { rules: { rules: [{ id: 42 }] } }
      }),
      { qos: 1 }
    )
    await shop.publishAsync(inbox("order.upsert"), "{ not json", { qos: 1 })
    let quarantined: Json = []
    for (let attempt = 0; attempt < 100 && quarantined.length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      quarantined = (await post(station, "sync.quarantine", '{"limit":10}')).json.value
    }
    await shop.endAsync()
    const alias = await post(station, "scan.submit", '{"raw":"cap1","source":"manual"}')
    expect(alias.json.value.identification).toMatchObject({ kind: "sku", sku: "ALP-CAP-01" })
    expect(quarantined.map((row: Json) => row.topic)).toEqual([inbox("order.upsert"), inbox("rules.update")])
    expect(quarantined[1].reason).toMatch(/rules/)
  })
})
