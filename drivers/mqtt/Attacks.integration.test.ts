/**
 * The attacks of issue #13 on the MQTT side, each as a test over real MQTT, that any later change must keep passing.
 * Each was tried against `packbench serve` on its defaults and worked; each here fails on that code.
 *
 * - an embedded station with its broker, its hub and a real SMTP server (aedes, MQTT 3.1.1): who may connect,
 *   publish and subscribe; fakes that take a real event's or message's number; forged acks and resend floods;
 *   refunds and customer data from station events; bad input (Infinity, 1 MB scans, e-mail header injection, far
 *   ahead numbers, oversized packets); credentials on disk and in logs;
 * - a real mosquitto with the shipped ACL file and logins made by `packbench hub add-station` / `add-login`;
 * - a flood of 10,000 malformed messages against a station process (disk and memory after GC stay bounded).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { connect as connectTcp } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { PassThrough } from "node:stream"
import { fileURLToPath } from "node:url"
import Database from "better-sqlite3"
import { Effect, Layer, References } from "effect"
import mqtt, { type MqttClient } from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PushMessage } from "../../core/api/StationApi.ts"
import type { EventEnvelope } from "../../core/events/Event.ts"
import type { Order } from "../../core/orders/Order.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { ReturnRefundDecided } from "../../core/returns/ReturnsEvents.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import { OperatorSignedIn } from "../../core/session/SessionEvents.ts"
import { Consumer, defaultConsumerOptions } from "../../core/sync/Consumer.ts"
import { checkDelivery } from "../../core/sync/DeliveryChecker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../../core/sync/HighWaterMark.ts"
import { INBOX_QUARANTINE_LIMIT } from "../../core/sync/Inbox.ts"
import { Outbox } from "../../core/sync/Outbox.ts"
import type { SyncConflicts } from "../../core/sync/SyncApi.ts"
import { Topics } from "../../core/sync/Topics.ts"
import { stationStream } from "../../fixtures/hub/HubRig.ts"
import { startTestSmtpServer } from "../../fixtures/mail/TestSmtpServer.ts"
import { type Mosquitto, startMosquitto } from "../../fixtures/mqtt/MosquittoProcess.ts"
import {
  appendScans,
  appliedEvents,
  committedEvents,
  consumerRigLayer,
  stationRigLayer,
  waitFor
} from "../../fixtures/mqtt/SyncRig.ts"
import { embeddedLogin, enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { until } from "../../fixtures/waitFor.ts"
import { hubCommand } from "../../hub/drivers/server/hubCommand.ts"
import { loadConfig } from "../station/loadConfig.ts"
import { type RunningStation, startStation } from "../station/Station.ts"
import { BROKER_LOGINS_FILE, BROKER_USERS_FILE, readBrokerLogins, readLoginFile } from "./BrokerLogins.ts"
import { DEFAULT_MAX_PACKET_BYTES, startEmbeddedBroker } from "./EmbeddedBroker.ts"
import { SHIPPED_ACL_FILE } from "./MosquittoFiles.ts"
import { layerMqttBroker } from "./MqttBroker.ts"

// biome-ignore lint/suspicious/noExplicitAny: API values are asserted field by field
type Json = any

interface Login {
  readonly username?: string
  readonly password?: string
  readonly clientId: string
}

const connect = (url: string, login: Login, protocolVersion: 4 | 5 = 4) =>
  mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0, connectTimeout: 5_000, clean: true, ...login })

/** "connected", or the broker's refusal as mqtt.js reports it. */
const tryConnect = async (url: string, login: Login, protocolVersion: 4 | 5 = 4): Promise<string> => {
  try {
    const client = await connect(url, login, protocolVersion)
    await client.endAsync()
    return "connected"
  } catch (error) {
    return `refused: ${(error as Error).message}`
  }
}

/**
 * What became of a QoS 1 publish: PUBACKed, refused with an MQTT 5 reason code, or the connection closed under it
 * (MQTT 3.1.1 has no negative PUBACK: aedes closes the connection of a client that publishes where it may not).
 */
const publishOutcome = (client: MqttClient, topic: string, payload: string | Buffer) =>
  new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("no answer"), 5_000)
    const settle = (outcome: string) => {
      clearTimeout(timer)
      resolve(outcome)
    }
    client.once("close", () => settle("connection closed"))
    client.publish(topic, payload, { qos: 1 }, (error) => {
      if (error === undefined || error === null) return settle("accepted")
      const code = (error as { code?: unknown }).code
      settle(typeof code === "number" ? `refused 0x${code.toString(16)}` : `failed: ${error.message}`)
    })
  })

/** Subscribes and tells what the broker granted: the QoS, or 128 for a refusal (MQTT §3.9.3). */
const subscribeOutcome = async (client: MqttClient, filter: string) => {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 })
    return granted[0]?.qos
  } catch (error) {
    // mqtt.js fails a subscription the broker refused; its SUBACK says with which code.
    const granted = (error as { packet?: { granted?: ReadonlyArray<number | { qos: number }> } }).packet?.granted?.[0]
    return typeof granted === "number" ? granted : granted?.qos
  }
}

const collect = (client: MqttClient) => {
  const received: Array<{ readonly topic: string; readonly payload: string }> = []
  client.on("message", (topic, payload) => received.push({ topic, payload: payload.toString("utf8") }))
  return received
}

const rowsOf = (file: string, sql: string, ...params: Array<unknown>): Array<Json> => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all(...params) as Array<Json>
  } finally {
    db.close()
  }
}

const call = async (station: RunningStation, name: string, input: unknown = {}): Promise<Json> => {
  const result = await station.call(name, input)
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`)
  return result.value
}

const sampleOrders = () => fixture("orders.json") as ReadonlyArray<Order>

/** A shop inbox message as the shop numbers them. */
const inboxMessage = (seq: number, type: string, payload: unknown, msgId = `shop-${type}-${seq}`) =>
  JSON.stringify({ msgId, seq, type, version: 1, payload, sentAtMs: Date.now() })

const refundDecided = (orderId: string, lineId: string, amountCents: number, returnId: string) => ({
  returnId,
  itemRef: `${returnId}-01`,
  orderId,
  lineId,
  unit: 1,
  sku: "ALP-MUG-01",
  gtin: "04260123450014",
  serial: null,
  lot: null,
  outcome: "refund-full" as const,
  amountCents,
  currency: "EUR",
  ruleId: null,
  reason: { de: "Einwandfrei", en: "Perfect" },
  source: "rules" as const,
  previousOutcome: null
})

const dirSize = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name)
    return sum + (entry.isDirectory() ? dirSize(path) : statSync(path).size)
  }, 0)

describe("attacks on an embedded station: its broker, its hub, its inbox (aedes, MQTT 3.1.1)", () => {
  let station: RunningStation
  let dataDir: string
  let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>
  const logLines: Array<string> = []
  const pushes: Array<PushMessage> = []
  const hubDb = () => join(dataDir, "hub", "hub.db")
  const stationDb = () => join(dataDir, "station.db")
  const lastEvent = () =>
    rowsOf(stationDb(), "SELECT id, epoch, seq FROM events ORDER BY seq DESC LIMIT 1")[0] as {
      id: string
      epoch: string
      seq: number
    }
  const drained = () =>
    until(
      () => call(station, "station.status"),
      (status) => status.sync.depth === 0 && status.sync.broker === "connected",
      "the station's outbox confirmed by the hub"
    )

  beforeAll(async () => {
    smtp = await startTestSmtpServer()
    dataDir = mkdtempSync(join(tmpdir(), "pb-attacks-"))
    writeFileSync(
      join(dataDir, "packbench.config.json"),
      JSON.stringify({
        station: { siteId: "HAM1", stationId: "PACK-01" },
        // No quiet hours: mails go out whatever the hour the suite runs at. Order confirmations on, so the real
        // orders' mails are there to show that no injected recipient or header reached the mail server.
        hub: {
          smtpUrl: smtp.url,
          notify: { quietHours: { startHour: 0, endHour: 0 }, orderConfirmations: true }
        }
      })
    )
    const config = loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: (line) => logLines.push(line) })
    station.subscribe((message) => pushes.push(message))
    await drained()
  }, 120_000)

  afterAll(async () => {
    await station?.close()
    await smtp?.stop()
  })

  it("refuses anonymous clients, wrong passwords and a station that takes another's client id", async () => {
    const url = station.brokerUrl
    expect(await tryConnect(url, { clientId: "anonymous" })).toMatch(/^refused: .*Bad username or password/)
    const station01 = embeddedLogin(dataDir, "station")
    expect(await tryConnect(url, { ...station01, password: "guess", clientId: "packbench-HAM1-PACK-01-x" })).toMatch(
      /^refused: .*Bad username or password/
    )
    const pack02 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" })
    // PACK-02 logging in under PACK-01's client id would throw PACK-01 off the broker.
    expect(await tryConnect(url, { ...pack02, clientId: "packbench-HAM1-PACK-01" })).toMatch(
      /^refused: .*Not authorized/
    )
    expect(await tryConnect(url, pack02)).toBe("connected")
  })

  it("lets no one but a station read its inbox: another station's '#' and forged resend get nothing", async () => {
    const pack02 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" })
    const spy = await connect(station.brokerUrl, { ...pack02, clientId: `${pack02.clientId}-spy` })
    const seen = collect(spy)
    expect(await subscribeOutcome(spy, "#")).toBe(128)
    expect(await subscribeOutcome(spy, "packbench/v1/HAM1/PACK-01/inbox/#")).toBe(128)
    expect(await subscribeOutcome(spy, Topics.eventsOf("HAM1"))).toBe(128)
    expect(await subscribeOutcome(spy, "packbench/v1/HAM1/PACK-02/inbox/#")).toBe(1)
    // The shop sends PACK-01 an order, with a customer's name, e-mail and address.
    const shop = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-1" })
    const order = { ...sampleOrders()[0]!, orderId: "SO-400001" }
    expect(
      await publishOutcome(
        shop,
        "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
        inboxMessage(1, "order.upsert", order, "m-400001")
      )
    ).toBe("accepted")
    await until(
      () => rowsOf(stationDb(), "SELECT order_id FROM orders WHERE order_id = 'SO-400001'"),
      (rows) => rows.length === 1,
      "the shop's order at PACK-01"
    )
    // A forged resend for PACK-01's events: the broker closes the forger's connection instead of passing it on.
    const { epoch } = lastEvent()
    expect(await publishOutcome(spy, Topics.resend("HAM1", "PACK-01"), JSON.stringify({ epoch, fromSeq: 1 }))).toBe(
      "connection closed"
    )
    await shop.endAsync()
    expect(seen.filter((message) => !message.topic.startsWith("packbench/v1/HAM1/PACK-02/"))).toEqual([])
    expect(JSON.stringify(seen)).not.toContain(order.customer.email)
  })

  it("gives every topic to its role alone: events to their station, acks/resend/hub inbox to the hub, inbox to the shop", async () => {
    const url = station.brokerUrl
    const pack02 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" })
    const attempts: Record<string, { readonly login: Login; readonly topic: string }> = {
      "station publishes another station's event": {
        login: { ...pack02, clientId: `${pack02.clientId}-a` },
        topic: Topics.event("HAM1", "PACK-01", "operator.signed-in")
      },
      "station publishes its own acks": {
        login: { ...pack02, clientId: `${pack02.clientId}-b` },
        topic: Topics.acks("HAM1", "PACK-02")
      },
      "station publishes a shop inbox message": {
        login: { ...pack02, clientId: `${pack02.clientId}-c` },
        topic: "packbench/v1/HAM1/PACK-01/inbox/order.upsert"
      },
      "station publishes a hub inbox message": {
        login: { ...pack02, clientId: `${pack02.clientId}-d` },
        topic: Topics.hubInbox("HAM1", "PACK-01", "refund.rejected")
      },
      "shop publishes a hub inbox message": {
        login: { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-2" },
        topic: Topics.hubInbox("HAM1", "PACK-01", "refund.rejected")
      },
      "shop publishes acks": {
        login: { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-3" },
        topic: Topics.acks("HAM1", "PACK-01")
      },
      "hub publishes a station's event": {
        login: { ...embeddedLogin(dataDir, "hub"), clientId: "attack-hub-1" },
        topic: Topics.event("HAM1", "PACK-01", "operator.signed-in")
      },
      "hub publishes a shop inbox message": {
        login: { ...embeddedLogin(dataDir, "hub"), clientId: "attack-hub-2" },
        topic: "packbench/v1/HAM1/PACK-01/inbox/order.upsert"
      }
    }
    const outcomes: Record<string, string> = {}
    for (const [attempt, { login, topic }] of Object.entries(attempts)) {
      const client = await connect(url, login)
      outcomes[attempt] = await publishOutcome(client, topic, "{}")
      client.end(true)
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(attempts).map((name) => [name, "connection closed"])))
    // The same roles where they belong.
    const own = await connect(url, { ...pack02, clientId: `${pack02.clientId}-own` })
    expect(await publishOutcome(own, Topics.deadLetter("HAM1", "PACK-02"), "{}")).toBe("accepted")
    await own.endAsync()
  })

  it("keeps the logins in 0600 files and never logs a password", async () => {
    for (const file of [BROKER_USERS_FILE, BROKER_LOGINS_FILE]) {
      expect(statSync(join(dataDir, file)).mode & 0o777, file).toBe(0o600)
    }
    const logins = readBrokerLogins(dataDir)
    const passwords = [logins.station, logins.hub, logins.shop].map((login) => login?.password ?? "")
    expect(passwords.every((password) => password.length >= 40)).toBe(true)
    // The user table holds hashes only.
    const users = readFileSync(join(dataDir, BROKER_USERS_FILE), "utf8")
    for (const password of passwords) {
      expect(users).not.toContain(password)
      expect(logLines.join("\n")).not.toContain(password)
    }
    expect(logLines.join("\n")).toContain("refused the login")
  })

  it("takes a real event whose number a forged one took for a conflict: quarantined, counted, told to the station", async () => {
    await drained()
    const last = lastEvent()
    // Someone with the station's own login forges its next event.
    const forger = await connect(station.brokerUrl, {
      ...embeddedLogin(dataDir, "station"),
      clientId: "packbench-HAM1-PACK-01-forger"
    })
    const forged: EventEnvelope = {
      ...stationStream({ siteId: "HAM1", stationId: "PACK-01", epoch: last.epoch })(OperatorSignedIn, {
        badgeId: "B-6666",
        role: "manager"
      }),
      id: "forged-next-event",
      seq: last.seq + 1
    }
    expect(await publishOutcome(forger, Topics.event("HAM1", "PACK-01", forged.type), JSON.stringify(forged))).toBe(
      "accepted"
    )
    await forger.endAsync()
    await until(
      () => rowsOf(hubDb(), "SELECT last_seq FROM sync_consumer_cursor WHERE station_id = 'PACK-01'"),
      (rows) => Number(rows[0]?.last_seq) === last.seq + 1,
      "the forged event applied at the hub"
    )
    // The station's real next event takes the same number.
    await call(station, "session.signIn", { badge: "B-1001" })
    const real = lastEvent()
    expect(real.seq).toBe(last.seq + 1)
    const conflicts = await until(
      () => call(station, "sync.conflicts", { limit: 10 }) as Promise<SyncConflicts>,
      (view) => view.conflicts.some((conflict) => conflict.refusedId === real.id),
      "the hub's conflict report at the station"
    )
    expect(conflicts.conflicts.find((conflict) => conflict.refusedId === real.id)).toMatchObject({
      source: "hub:events",
      kind: "conflict",
      seq: real.seq,
      keptId: "forged-next-event"
    })
    expect(
      rowsOf(hubDb(), "SELECT seq, event_id, held_by FROM sync_consumer_conflicts WHERE event_id = ?", real.id)
    ).toEqual([{ seq: real.seq, event_id: real.id, held_by: "forged-next-event" }])
    expect(pushes.some((push) => push.name === "alert" && (push.payload as Json).code === "sync-conflict")).toBe(true)
  })

  it("takes the shop's real message whose number a junk message took for a conflict, on the station's inbox", async () => {
    const shopLogin = embeddedLogin(dataDir, "shop")
    const cursor = () =>
      Number(rowsOf(stationDb(), "SELECT last_seq FROM sync_inbox_cursor WHERE stream = 'station'")[0]?.last_seq ?? 0)
    const next = cursor() + 1
    const junk = await connect(station.brokerUrl, { ...shopLogin, clientId: "attack-junk" })
    expect(
      await publishOutcome(
        junk,
        "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
        inboxMessage(next, "order.upsert", { junk: true }, "junk-message")
      )
    ).toBe("accepted")
    await junk.endAsync()
    await until(cursor, (seq) => seq === next, "the junk message's number taken")
    const order = { ...sampleOrders()[1]!, orderId: "SO-400002" }
    const shop = await connect(station.brokerUrl, { ...shopLogin, clientId: "attack-real-shop" })
    expect(
      await publishOutcome(
        shop,
        "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
        inboxMessage(next, "order.upsert", order, "real-message")
      )
    ).toBe("accepted")
    await shop.endAsync()
    const view = await until(
      () => call(station, "sync.conflicts", { limit: 10 }) as Promise<SyncConflicts>,
      (found) => found.conflicts.some((conflict) => conflict.refusedId === "real-message"),
      "the inbox conflict"
    )
    expect(view.conflicts.find((conflict) => conflict.refusedId === "real-message")).toMatchObject({
      source: "inbox:station",
      seq: next,
      keptId: "junk-message"
    })
    const quarantine = (await call(station, "sync.quarantine", { limit: 5 })) as Array<Json>
    expect(quarantine.some((row) => row.reason.startsWith("conflict:") && row.payload.includes("SO-400002"))).toBe(true)
    // The inbox raises the alert after the conflict's commit, which the reads above may see first: wait for it.
    await until(
      () =>
        pushes.some(
          (push) =>
            push.name === "alert" &&
            (push.payload as Json).code === "sync-conflict" &&
            (push.payload as Json).message.includes("real-message")
        ),
      (raised) => raised,
      "the bench's sync-conflict alert for real-message"
    )
  })

  it("never lets a station event change a customer's e-mail, nor ask the shop for unpaid or unknown refunds", async () => {
    // RET-09, a station of the site with its own login, compromised.
    const ret09 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "RET-09" })
    const client = await connect(station.brokerUrl, ret09)
    const shopSide = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-rr" })
    const requests = collect(shopSide)
    await shopSide.subscribeAsync(Topics.refundRequests("HAM1"), { qos: 1 })
    const next = stationStream({ siteId: "HAM1", stationId: "RET-09", epoch: "e-ret09" })
    const so1 = sampleOrders().find((order) => order.orderId === "SO-100001")!
    const email = () =>
      rowsOf(
        hubDb(),
        "SELECT c.email FROM hub_customers c JOIN hub_orders o USING (customer_id) WHERE o.order_id = 'SO-100001'"
      )[0]?.email
    expect(email()).toBe("anna.schmidt@example.de")
    const events = [
      next(OrderReceived, {
        order: {
          ...so1,
          version: 99,
          customer: { ...so1.customer, email: "attacker@evil.example" },
          payment: { ...so1.payment, total: 9_999 }
        },
        replacedVersion: so1.version
      }),
      next(ReturnRefundDecided, refundDecided("SO-100001", "1", 5_000, "RET-09-R000001")),
      next(ReturnRefundDecided, refundDecided("SO-999999", "1", 99_999_999, "RET-09-R000002"))
    ]
    for (const event of events) {
      expect(await publishOutcome(client, Topics.event("HAM1", "RET-09", event.type), JSON.stringify(event))).toBe(
        "accepted"
      )
    }
    await client.endAsync()
    await until(
      () => rowsOf(hubDb(), "SELECT last_seq FROM sync_consumer_cursor WHERE station_id = 'RET-09'"),
      (rows) => Number(rows[0]?.last_seq) === 3,
      "RET-09's events applied at the hub"
    )
    const asked = await until(
      () => requests.map((message) => JSON.parse(message.payload).payload),
      (payloads) => payloads.length >= 1,
      "the refund request"
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await shopSide.endAsync()
    expect(email()).toBe("anna.schmidt@example.de")
    // SO-100001's first line is a 12.90 mug: the shop is asked for no more, and for nothing on an unknown order.
    expect(asked.map((payload: Json) => [payload.orderId, payload.amountCents])).toEqual([["SO-100001", 1_290]])
    expect(rowsOf(hubDb(), "SELECT order_id FROM hub_refund_parked")).toEqual([{ order_id: "SO-999999" }])
  })

  it("does not let an event with Infinity (1e400) stop a station's stream at the hub", async () => {
    const ret08 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "RET-08" })
    const client = await connect(station.brokerUrl, ret08)
    const next = stationStream({ siteId: "HAM1", stationId: "RET-08", epoch: "e-ret08" })
    const events = [1, 2, 3].map(() => next(OperatorSignedIn, { badgeId: "B-1001", role: "packer" }))
    const texts = events.map((event) => JSON.stringify(event))
    texts[1] = texts[1]!.replace(/"wallMs":\d+/, '"wallMs":1e400')
    for (const text of texts) {
      expect(await publishOutcome(client, Topics.event("HAM1", "RET-08", "operator.signed-in"), text)).toBe("accepted")
    }
    await client.endAsync()
    await until(
      () => rowsOf(hubDb(), "SELECT last_seq FROM sync_consumer_cursor WHERE station_id = 'RET-08'"),
      (rows) => Number(rows[0]?.last_seq) === 3,
      "RET-08's stream past the bad event"
    )
    expect(
      rowsOf(hubDb(), "SELECT reason FROM sync_consumer_quarantine WHERE topic LIKE '%/RET-08/%'").map(
        (row) => row.reason
      )
    ).toEqual(["refused in sequence (seq 2): out of bounds: $.eventTime.wallMs is not a finite number"])
  })

  it("keeps a refused 1 MB scan to 256 characters and its length in the event the hub gets", async () => {
    const observer = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "hub"), clientId: "attack-observer" })
    const seen = collect(observer)
    await observer.subscribeAsync(Topics.event("HAM1", "PACK-01", "pack.exception"), { qos: 1 })
    await call(station, "session.signIn", { badge: "B-1001" })
    const order = encodePackbenchCode("order", "SO-100001")
    if (!order.ok) throw new Error(order.reason)
    await call(station, "pack.scan", { raw: order.code })
    const huge = `4260${"7".repeat(1_048_572)}`
    const refused = await station.call("pack.scan", { raw: huge })
    await call(station, "pack.abandon")
    // Refused by the bench (an exception event) or, should the API edge bound scans, refused as input: either way
    // no megabyte leaves the station.
    if (refused.ok) {
      const published = await until(
        () => seen.map((message) => message.payload),
        (payloads) => payloads.some((payload) => payload.includes('"rawLength":1048576')),
        "the pack.exception event on the broker"
      )
      const event = JSON.parse(published.find((payload) => payload.includes('"rawLength":1048576'))!)
      expect(event.payload.raw).toBe(huge.slice(0, 256))
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
    await observer.endAsync()
    expect(seen.every((message) => message.payload.length < 4_096)).toBe(true)
    // Nor does the station's own log keep it: a refused scan is recorded bounded, or not at all.
    const exceptions = rowsOf(stationDb(), "SELECT payload FROM events WHERE type = 'pack.exception'")
    expect(exceptions.length).toBe(refused.ok ? 1 : 0)
    expect(exceptions.every((row) => row.payload.length < 4_096)).toBe(true)
  })

  it("refuses an e-mail field holding a header injection at the inbox, at the hub and in the mailer", async () => {
    const injected = "a@example.com\r\nBcc: spy@evil.example"
    const shop = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-mail" })
    const order = (orderId: string) => {
      const base = sampleOrders()[0]!
      return { ...base, orderId, customer: { ...base.customer, customerId: `C-${orderId}`, email: injected } }
    }
    const cursor = Number(
      rowsOf(stationDb(), "SELECT last_seq FROM sync_inbox_cursor WHERE stream = 'station'")[0]?.last_seq ?? 0
    )
    await publishOutcome(
      shop,
      "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
      inboxMessage(cursor + 1, "order.upsert", order("SO-400003"), "m-400003")
    )
    await shop.endAsync()
    const quarantined = await until(
      () => call(station, "sync.quarantine", { limit: 5 }) as Promise<Array<Json>>,
      (rows) => rows.some((row) => row.payload.includes("SO-400003")),
      "the injected order quarantined at the station"
    )
    expect(quarantined.find((row) => row.payload.includes("SO-400003")).reason).toContain("e-mail address")
    expect(rowsOf(stationDb(), "SELECT order_id FROM orders WHERE order_id = 'SO-400003'")).toEqual([])
    // A station's event carrying it is refused at the hub.
    const ret07 = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "RET-07" })
    const client = await connect(station.brokerUrl, ret07)
    const event = stationStream({ siteId: "HAM1", stationId: "RET-07", epoch: "e-ret07" })(OrderReceived, {
      order: order("SO-400004") as Order,
      replacedVersion: null
    })
    await publishOutcome(client, Topics.event("HAM1", "RET-07", event.type), JSON.stringify(event))
    await client.endAsync()
    await until(
      () => rowsOf(hubDb(), "SELECT reason FROM sync_consumer_quarantine WHERE topic LIKE '%/RET-07/%'"),
      (rows) => rows.length === 1,
      "the injected order refused at the hub"
    )
    expect(rowsOf(hubDb(), "SELECT order_id FROM hub_orders WHERE order_id = 'SO-400004'")).toEqual([])
    // Had it reached the hub's tables anyway, the mailer would send nothing: the notification dies with the reason.
    const db = new Database(hubDb())
    try {
      db.pragma("busy_timeout = 5000")
      db.prepare(
        "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C-INJ', 'Eve', 'Spy', ?, 'en', 0)"
      ).run(injected)
      db.prepare(
        `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id, station_id, updated_at_ms)
         VALUES ('SO-400005', 1, 'C-INJ', 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-01', 0)`
      ).run()
      db.prepare(
        `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
         VALUES ('n-injected', 'order-confirmed', 'SO-400005', 'SO-400005', 'ev-injected', 0)`
      ).run()
      db.prepare(
        "INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms) VALUES ('n-injected', 'email', 'pending', 0, 0)"
      ).run()
    } finally {
      db.close()
    }
    const outcome = await until(
      () => rowsOf(hubDb(), "SELECT status, last_error FROM hub_outbox WHERE notification_id = 'n-injected'")[0],
      (row) => row?.status === "dead",
      "the injected notification's outcome",
      30_000
    )
    expect(outcome.last_error).toContain("not one e-mail address")
    expect(smtp.messages().length).toBeGreaterThan(0)
    for (const mail of smtp.messages()) {
      expect(mail.headers["x-rcptto"] ?? "").not.toContain("evil.example")
      expect(mail.headers.bcc).toBeUndefined()
    }
  })

  it("keeps a quarantined payload to 4 KB and its SHA-256, and holds only messages near the cursor", async () => {
    const shop = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-big" })
    const big = `{"msgId":"big","seq":1,"type":"order.upsert","version":1,"payload":"${"x".repeat(500_000)}"}`
    await publishOutcome(shop, "packbench/v1/HAM1/PACK-01/inbox/order.upsert", big)
    const cursor = Number(
      rowsOf(stationDb(), "SELECT last_seq FROM sync_inbox_cursor WHERE stream = 'station'")[0]?.last_seq ?? 0
    )
    await publishOutcome(
      shop,
      "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
      inboxMessage(cursor + 5_000, "order.upsert", sampleOrders()[2], "far-ahead")
    )
    // The next message in turn, after it on the same connection: the station handles its messages one at a time, so
    // once this one is applied the far-ahead one was read before it.
    await publishOutcome(
      shop,
      "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
      inboxMessage(cursor + 1, "order.upsert", { ...sampleOrders()[2]!, orderId: "SO-400006" }, "next-in-turn")
    )
    await until(
      () => rowsOf(stationDb(), "SELECT order_id FROM orders WHERE order_id = 'SO-400006'"),
      (found) => found.length === 1,
      "the message in turn applied"
    )
    await shop.endAsync()
    const rows = await until(
      () =>
        rowsOf(
          stationDb(),
          "SELECT payload, payload_sha256, payload_bytes FROM sync_inbox_quarantine WHERE payload_bytes > 400000"
        ),
      (found) => found.length === 1,
      "the big payload quarantined"
    )
    expect(rows[0].payload.length).toBeLessThanOrEqual(4_096)
    expect(rows[0].payload_bytes).toBe(big.length)
    expect(rows[0].payload_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(rowsOf(stationDb(), "SELECT seq FROM sync_inbox_held WHERE msg_id = 'far-ahead'")).toEqual([])
  })

  it("closes the connection of a client that sends a packet over 1 MiB, and serves the others", async () => {
    const shop = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-huge" })
    expect(
      await publishOutcome(shop, "packbench/v1/HAM1/PACK-01/inbox/catalog.upsert", Buffer.alloc(2 * 1_048_576, 0x61))
    ).toBe("connection closed")
    expect(
      logLines.some((line) =>
        /closed the connection from .*: a packet of \d+ bytes \(the limit is 1048576\)/.test(line)
      )
    ).toBe(true)
    expect(
      await tryConnect(station.brokerUrl, { ...embeddedLogin(dataDir, "shop"), clientId: "attack-shop-after" })
    ).toBe("connected")
    expect((await call(station, "station.status")).sync.broker).toBe("connected")
  })
})

describe("attacks on a station's acks and resend requests (aedes, no hub)", () => {
  let station: RunningStation
  let dataDir: string
  const logLines: Array<string> = []

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pb-attacks-nohub-"))
    writeFileSync(
      join(dataDir, "packbench.config.json"),
      JSON.stringify({ station: { siteId: "HAM1", stationId: "PACK-05" }, hub: { embedded: false } })
    )
    const config = loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: (line) => logLines.push(line) })
  }, 60_000)
  afterAll(() => station?.close())

  const status = async () => (await call(station, "station.status")).sync

  it("refuses a forged ack above what the station sent, and a station may not ack at all", async () => {
    const published = await until(status, (sync) => sync.lastPublishedSeq >= 12, "the sample events published")
    expect(published.lastConfirmedSeq).toBe(0)
    const epoch = rowsOf(join(dataDir, "station.db"), "SELECT epoch FROM events LIMIT 1")[0].epoch
    // Another station of the site cannot even say it.
    const other = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-06" })
    const forger = await connect(station.brokerUrl, other)
    expect(
      await publishOutcome(
        forger,
        Topics.acks("HAM1", "PACK-05"),
        JSON.stringify({ epoch, seq: published.lastPublishedSeq })
      )
    ).toBe("connection closed")
    // With the hub's login: an ack above what was sent is refused, whole, and logged.
    const hub = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "hub"), clientId: "attack-ack" })
    expect(
      await publishOutcome(
        hub,
        Topics.acks("HAM1", "PACK-05"),
        JSON.stringify({ epoch, seq: published.lastPublishedSeq + 8 })
      )
    ).toBe("accepted")
    // An honest ack after it, on the same topic and connection, is read after it: once it counts, the forged one
    // was read as well, and had it been taken this ack would be below the confirmed number and change nothing.
    expect(await publishOutcome(hub, Topics.acks("HAM1", "PACK-05"), JSON.stringify({ epoch, seq: 1 }))).toBe(
      "accepted"
    )
    await hub.endAsync()
    await until(status, (sync) => sync.lastConfirmedSeq === 1, "the honest ack taken")
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await status()).lastConfirmedSeq).toBe(1)
  })

  it("rate-limits resend requests: a flood of them does not make the station send its backlog over and over", async () => {
    const backlog = (await until(status, (sync) => sync.lastPublishedSeq >= 12, "the sample events published"))
      .lastPublishedSeq
    const epoch = rowsOf(join(dataDir, "station.db"), "SELECT epoch FROM events LIMIT 1")[0].epoch
    const hub = await connect(station.brokerUrl, { ...embeddedLogin(dataDir, "hub"), clientId: "attack-resend" })
    const resent = collect(hub)
    await hub.subscribeAsync(Topics.eventsOf("HAM1"), { qos: 1 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    resent.length = 0
    const floodStartMs = Date.now()
    for (let request = 0; request < 50; request++) {
      hub.publish(Topics.resend("HAM1", "PACK-05"), JSON.stringify({ epoch, fromSeq: 1 }), { qos: 1 })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await hub.endAsync()
    // The station takes a resend request at most once a second (resendMinIntervalMs): over the time the requests
    // could arrive in, 2.5 s on an idle machine (three rounds), more when a loaded one stretches the 20 ms pauses.
    const rounds = Math.floor((Date.now() - floodStartMs) / 1_000) + 1
    // 50 requests in a second: one or two rounds of the backlog, not fifty.
    expect(resent.length).toBeGreaterThanOrEqual(backlog)
    expect(resent.length).toBeLessThanOrEqual(rounds * backlog)
  })

  it("bounds the embedded broker's connections", async () => {
    const refusals: Array<string> = []
    const broker = await startEmbeddedBroker({
      port: 0,
      access: { kind: "users", usersFile: join(dataDir, BROKER_USERS_FILE) },
      maxConnections: 3,
      log: (line) => {
        if (line.startsWith("MQTT: refused a connection")) refusals.push(line)
      }
    })
    const open = () =>
      new Promise<{ closed: boolean }>((resolve) => {
        const state = { closed: false }
        const socket = connectTcp(broker.port, "127.0.0.1", () => resolve(state))
        socket.on("close", () => {
          state.closed = true
        })
        socket.on("error", () => {})
      })
    const sockets = await Promise.all(Array.from({ length: 4 }, open))
    // The broker takes connections in the order they came: once a fifth, opened after these four were connected, is
    // refused, it has kept or refused each of the four, and said so for each one it refused.
    const fifth = await open()
    await until(
      () => fifth.closed,
      (closed) => closed,
      "the fifth connection closed by the broker"
    )
    expect(refusals).toEqual([
      "MQTT: refused a connection: 3 are open already",
      "MQTT: refused a connection: 3 are open already"
    ])
    await until(
      () => sockets.filter((socket) => socket.closed).length,
      (closed) => closed > 0,
      "one of the first four closed by the broker"
    )
    expect(sockets.filter((socket) => socket.closed)).toHaveLength(1)
    await broker.close()
  })
})

/** The limits the shipped packbench.conf sets, for the test's mosquitto to run with the same. */
const shippedMosquittoLimits = () => {
  const conf = readFileSync(join(dirname(SHIPPED_ACL_FILE), "packbench.conf"), "utf8")
  const limit = (name: string) => {
    const value = Number(new RegExp(`^${name} (\\d+)$`, "m").exec(conf)?.[1])
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`packbench.conf sets no ${name}`)
    return value
  }
  // The test's mosquitto sends at once (startMosquitto); so must the shipped one.
  if (!/^set_tcp_nodelay true$/m.test(conf)) throw new Error("packbench.conf does not set set_tcp_nodelay true")
  return {
    max_queued_messages: limit("max_queued_messages"),
    max_inflight_messages: limit("max_inflight_messages"),
    max_packet_size: limit("max_packet_size")
  }
}

describe("attacks on mosquitto with the shipped ACL and logins made by packbench hub add-station / add-login (MQTT 5)", () => {
  const shippedLimits = shippedMosquittoLimits()
  let mosquitto: Mosquitto
  let dir: string
  const login = (file: string, clientId: string): Login => {
    const { username, password } = readLoginFile(join(dir, file))
    return { username, password, clientId }
  }
  const hubLogin = (clientId: string): Login => ({ ...readBrokerLogins(join(dir, "hub-data")).hub!, clientId })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pb-attacks-mosquitto-"))
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: dir }
    for (const argv of [
      [
        "add-station",
        "--site",
        "HAM1",
        "--station",
        "PACK-01",
        "--mosquitto-dir",
        "mosquitto",
        "--out",
        "pack-01.json"
      ],
      [
        "add-station",
        "--site",
        "HAM1",
        "--station",
        "PACK-02",
        "--mosquitto-dir",
        "mosquitto",
        "--out",
        "pack-02.json"
      ],
      ["add-login", "--role", "hub", "--mosquitto-dir", "mosquitto", "--data-dir", "hub-data"],
      ["add-login", "--role", "shop", "--mosquitto-dir", "mosquitto", "--out", "shop.json"]
    ]) {
      expect(await hubCommand.run(argv, io), argv.join(" ")).toBe(0)
    }
    mosquitto = await startMosquitto({
      provisioned: { passwordFile: join(dir, "mosquitto", "passwords"), aclFile: join(dir, "mosquitto", "acl") },
      maxQueuedMessages: shippedLimits.max_queued_messages,
      maxInflightMessages: shippedLimits.max_inflight_messages,
      maxPacketBytes: shippedLimits.max_packet_size
    })
  }, 60_000)
  afterAll(() => mosquitto?.stop())

  it("refuses anonymous clients and wrong passwords", async () => {
    expect(await tryConnect(mosquitto.url, { clientId: "anonymous" }, 5)).toMatch(/^refused: .*Not authorized/)
    expect(await tryConnect(mosquitto.url, { ...login("pack-01.json", "x"), password: "guess" }, 5)).toMatch(
      /^refused: .*(Not authorized|Bad User Name or Password)/i
    )
  })

  it("syncs a station to the hub with nothing but their own rights, a backlog in bundles, and nothing is lost", async () => {
    const station01 = login("pack-01.json", "packbench-HAM1-PACK-01")
    // A second hub client that only counts the bundles: the hub's rights let it read them.
    const spy = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, ...hubLogin("packbench-hub-spy") })
    const bundles: Array<number> = []
    spy.on("message", (_topic, payload) => bundles.push((JSON.parse(payload.toString()) as Array<unknown>).length))
    await spy.subscribeAsync(Topics.eventBundle("HAM1", "PACK-01"), { qos: 1 })
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* Layer.build(
          consumerRigLayer({
            filename: join(dir, "hub.db"),
            broker: layerMqttBroker({ url: mosquitto.url, protocolVersion: 5, ...hubLogin("packbench-hub") })
          })
        )
        yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
        const stationContext = yield* Layer.build(
          stationRigLayer({
            filename: join(dir, "station.db"),
            broker: layerMqttBroker({ url: mosquitto.url, protocolVersion: 5, ...station01 }),
            highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
            outbox: { ackTimeoutMs: 2_000, retryInitialMs: 100, retryMaxMs: 1_000 }
          })
        )
        yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(stationContext))
        yield* appendScans(200, 10).pipe(Effect.provide(stationContext))
        const outboxStatus = Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(stationContext))
        yield* waitFor(outboxStatus, (s) => s.lastConfirmedSeq >= 200, 30_000)
        // The hub's acks said it takes bundles: a backlog appended at once goes in them.
        yield* appendScans(1_000, 1_000).pipe(Effect.provide(stationContext))
        yield* Effect.flatMap(Outbox, (o) => o.kick).pipe(Effect.provide(stationContext))
        const status = yield* waitFor(outboxStatus, (s) => s.lastConfirmedSeq >= 1_200, 30_000)
        const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
        const committed = yield* committedEvents.pipe(Effect.provide(stationContext))
        return { status, verdict: checkDelivery(committed, applied) }
      }).pipe(
        Effect.scoped,
        Effect.provideService(References.MinimumLogLevel, "Error"),
        Effect.ensuring(Effect.promise(() => spy.endAsync()))
      )
    )
    expect(result.status).toMatchObject({ depth: 0, lastConfirmedSeq: 1_200, lastPublishError: undefined })
    expect(result.verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
    expect(bundles.length).toBeGreaterThan(0)
    expect(Math.max(...bundles)).toBeLessThanOrEqual(defaultConsumerOptions.bundleMax)
    expect(bundles.filter((events) => events > 1).length).toBeGreaterThan(0)
  }, 60_000)

  it("gives every topic to its role alone (0x87 for the rest)", async () => {
    const attempts: Record<string, { readonly login: Login; readonly topic: string }> = {
      "station publishes another station's event": {
        login: login("pack-02.json", "a2"),
        topic: Topics.event("HAM1", "PACK-01", "operator.signed-in")
      },
      "station publishes its own acks": { login: login("pack-02.json", "b2"), topic: Topics.acks("HAM1", "PACK-02") },
      "station publishes a resend for another": {
        login: login("pack-02.json", "c2"),
        topic: Topics.resend("HAM1", "PACK-01")
      },
      "station publishes a shop inbox message": {
        login: login("pack-02.json", "d2"),
        topic: "packbench/v1/HAM1/PACK-01/inbox/order.upsert"
      },
      "station publishes another station's presence": {
        login: login("pack-02.json", "e2"),
        topic: Topics.presence("HAM1", "PACK-01")
      },
      "shop publishes a hub inbox message": {
        login: login("shop.json", "f2"),
        topic: Topics.hubInbox("HAM1", "PACK-01", "refund.rejected")
      },
      "shop publishes acks": { login: login("shop.json", "g2"), topic: Topics.acks("HAM1", "PACK-01") },
      "hub publishes a station's event": {
        login: hubLogin("h2"),
        topic: Topics.event("HAM1", "PACK-01", "operator.signed-in")
      },
      "hub publishes a shop inbox message": {
        login: hubLogin("i2"),
        topic: "packbench/v1/HAM1/PACK-01/inbox/order.upsert"
      }
    }
    const outcomes: Record<string, string> = {}
    for (const [attempt, { login: who, topic }] of Object.entries(attempts)) {
      const client = await connect(mosquitto.url, who, 5)
      outcomes[attempt] = await publishOutcome(client, topic, "{}")
      await client.endAsync()
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(attempts).map((name) => [name, "refused 0x87"])))
  })

  it("closes the connection of a client that sends a packet over the shipped max_packet_size, and serves the others", async () => {
    expect(shippedLimits.max_packet_size).toBe(DEFAULT_MAX_PACKET_BYTES)
    const shop = await connect(mosquitto.url, login("shop.json", "shop-huge"), 5)
    expect(
      await publishOutcome(shop, "packbench/v1/HAM1/PACK-01/inbox/catalog.upsert", Buffer.alloc(2 * 1_048_576, 0x61))
    ).toBe("connection closed")
    shop.end(true)
    expect(await tryConnect(mosquitto.url, login("shop.json", "shop-after-huge"), 5)).toBe("connected")
  })

  it("lets another station read nothing of PACK-01's through '#': no inbox, no events, no acks", async () => {
    const spy = await connect(mosquitto.url, login("pack-02.json", "spy"), 5)
    const seen = collect(spy)
    await spy.subscribeAsync("#", { qos: 1 })
    const shop = await connect(mosquitto.url, login("shop.json", "shop-spy-test"), 5)
    const station01 = await connect(mosquitto.url, login("pack-01.json", "packbench-HAM1-PACK-01-t"), 5)
    const hub = await connect(mosquitto.url, hubLogin("hub-spy-test"), 5)
    const order = sampleOrders()[0]!
    expect(
      await publishOutcome(
        shop,
        "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
        inboxMessage(1, "order.upsert", order, "spy-m1")
      )
    ).toBe("accepted")
    expect(
      await publishOutcome(station01, Topics.event("HAM1", "PACK-01", "operator.signed-in"), JSON.stringify({ seq: 1 }))
    ).toBe("accepted")
    expect(await publishOutcome(hub, Topics.acks("HAM1", "PACK-01"), JSON.stringify({ epoch: "e", seq: 1 }))).toBe(
      "accepted"
    )
    expect(await publishOutcome(station01, Topics.presence("HAM1", "PACK-01"), '{"state":"online"}')).toBe("accepted")
    // Each publish above was routed before its PUBACK, and the spy's session delivers in order: once the presence
    // (published last) has reached the spy, anything of the others it was let read would have reached it before.
    await until(
      () => seen.map((message) => message.topic),
      (topics) => topics.includes(Topics.presence("HAM1", "PACK-01")),
      "PACK-01's presence at the spy"
    )
    for (const client of [spy, shop, station01, hub]) await client.endAsync()
    // The site's presence is every station's to read; nothing else of PACK-01's reaches PACK-02.
    expect(seen.map((message) => message.topic)).toEqual([Topics.presence("HAM1", "PACK-01")])
    expect(JSON.stringify(seen)).not.toContain(order.customer.email)
  })
})

describe("a flood of 10,000 malformed messages (a station process, measured after GC)", () => {
  const childPath = fileURLToPath(new URL("../../fixtures/mqtt/floodStationChild.ts", import.meta.url))
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill("SIGKILL")
  })

  it("keeps the station's disk growth under 20 MB and its memory under 50 MB, and quarantines every message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-flood-"))
    writeFileSync(
      join(dataDir, "packbench.config.json"),
      JSON.stringify({ station: { siteId: "HAM1", stationId: "PACK-01" } })
    )
    const spawned = spawn(process.execPath, ["--expose-gc", "--import", "tsx", childPath, dataDir], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    child = spawned
    const answers: Array<Json> = []
    let buffered = ""
    spawned.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const lines = buffered.split("\n")
      buffered = lines.pop() ?? ""
      for (const line of lines) if (line.startsWith("FLOOD ")) answers.push(JSON.parse(line.slice(6)))
    })
    const answer = async (key: string) => {
      const found = await until(
        () => answers.find((value) => key in value),
        (value) => value !== undefined,
        `the station process's ${key}`,
        120_000
      )
      answers.splice(answers.indexOf(found), 1)
      return found
    }
    const { brokerUrl } = await answer("ready")
    const hubDb = join(dataDir, "hub", "hub.db")
    const stationDb = join(dataDir, "station.db")
    await until(
      () => rowsOf(hubDb, "SELECT COALESCE(MAX(last_seq), 0) AS seq FROM sync_consumer_cursor")[0].seq,
      (seq) => seq >= 12,
      "the sample events at the hub",
      60_000
    )
    const measure = async () => {
      spawned.stdin?.write("measure\n")
      return (await answer("rss")) as { rss: number; heapUsed: number; gc: boolean }
    }

    // 5,000 malformed messages to the station's inbox (the shop's login), 5,000 malformed events to the hub
    // (the station's own login): not JSON, not UTF-8, the wrong shape, strings of up to 25 KB.
    const malformed = (index: number): Buffer => {
      switch (index % 5) {
        case 0:
          return Buffer.from(`not json ${index} ${"x".repeat(index % 1_000)}`)
        case 1:
          return Buffer.alloc(2_000 + (index % 3_000), 0xff)
        case 2:
          return Buffer.from(JSON.stringify({ msgId: `junk-${index}`, junk: "y".repeat(20_000 + (index % 40_000)) }))
        case 3:
          return Buffer.from(`{"seq":"one","id":${index},"payload":[1e400]}`)
        default:
          return Buffer.from(`{"deep":${"[".repeat(60)}${"]".repeat(60)},"n":${index}}`)
      }
    }
    const flood = async (login: Login, topic: string, count: number) => {
      const client = await connect(brokerUrl, login)
      for (let index = 0; index < count; index += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, offset) => client.publishAsync(topic, malformed(index + offset), { qos: 1 }))
        )
      }
      await client.endAsync()
    }
    const floodBoth = (count: number) =>
      Promise.all([
        flood(
          { ...embeddedLogin(dataDir, "shop"), clientId: "flood-shop" },
          "packbench/v1/HAM1/PACK-01/inbox/order.upsert",
          count
        ),
        flood(
          { ...embeddedLogin(dataDir, "station"), clientId: "packbench-HAM1-PACK-01-flood" },
          Topics.event("HAM1", "PACK-01", "junk.event"),
          count
        )
      ])
    const quarantined = (db: string, table: string, counters: string) =>
      Number(rowsOf(db, `SELECT COUNT(*) AS n FROM ${table}`)[0].n) +
      Number(rowsOf(db, `SELECT COALESCE(SUM(value), 0) AS n FROM ${counters} WHERE name = 'quarantine_evicted'`)[0].n)
    const processed = (count: number) =>
      until(
        () => [
          quarantined(stationDb, "sync_inbox_quarantine", "sync_counters"),
          quarantined(hubDb, "sync_consumer_quarantine", "sync_consumer_counters")
        ],
        ([inbox, hub]) => (inbox ?? 0) >= count && (hub ?? 0) >= count,
        `${count} malformed messages quarantined on each side`,
        300_000
      )
    // A first, small flood warms the station up (code compiled, caches and pools at their working size): what is
    // measured is what the 10,000 leave behind.
    await floodBoth(500)
    await processed(500)
    const before = { memory: await measure(), disk: dirSize(dataDir) }
    expect(before.memory.gc).toBe(true)
    await floodBoth(5_000)
    await processed(5_500)
    const after = { memory: await measure(), disk: dirSize(dataDir) }
    spawned.stdin?.write("stop\n")
    await answer("stopped")
    const growth = {
      diskMb: (after.disk - before.disk) / 1_048_576,
      rssMb: (after.memory.rss - before.memory.rss) / 1_048_576
    }
    const figures = JSON.stringify({ growth, before: before.memory, after: after.memory })
    expect(growth.diskMb, figures).toBeLessThan(20)
    expect(growth.rssMb, figures).toBeLessThan(50)
    // What keeps them bounded, each on its own: either alone would keep the growth above near the limit, so the
    // figures could pass with one of them gone. The quarantines keep their newest rows, and of each payload 4 KB.
    const quarantines = [
      { db: stationDb, table: "sync_inbox_quarantine", limit: INBOX_QUARANTINE_LIMIT },
      { db: hubDb, table: "sync_consumer_quarantine", limit: defaultConsumerOptions.quarantineLimit }
    ]
    for (const { db, table, limit } of quarantines) {
      const kept = rowsOf(
        db,
        `SELECT COUNT(*) AS n, MAX(LENGTH(CAST(payload AS BLOB))) AS excerpt, MAX(payload_bytes) AS whole FROM ${table}`
      )[0]
      expect(kept.n, table).toBeLessThanOrEqual(limit)
      expect(kept.excerpt, table).toBeLessThanOrEqual(4_096)
      expect(kept.whole, table).toBeGreaterThan(20_000)
    }
    // Kept for a look when anything above failed; otherwise 10 MB that nobody needs.
    rmSync(dataDir, { recursive: true, force: true })
  }, 600_000)
})
