import { mkdtempSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Logger, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Bounds } from "../../../core/bounds/Bounds.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { rawConnection } from "../../../fixtures/http/rawConnection.ts"
import { hubTestSettings, packedParcel, sampleOrder, stationStream } from "../../../fixtures/hub/HubRig.ts"
import { waitFor } from "../../../fixtures/waitFor.ts"
import { maxCommentLength } from "../../core/feedback/FeedbackAnswers.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { makeShopHub, noShops, Shops } from "../../core/shop/ShopHub.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { type HubHttpOptions, startHubHttpServer } from "./HubHttpServer.ts"
import { signWebhook, signWebhookV2 } from "./WebhookSignature.ts"

/**
 * Requests no browser or carrier the hub knows would send, against the hub's real HTTP server over a real SQLite
 * file: each must be answered with a status and a message that say what was wrong, and leave the hub as it was.
 */

const NOW_MS = Date.UTC(2026, 11, 6, 12)
const SECRET = "hostile-webhook-secret"
const TRACKING_NUMBER = "00340434160000000001"
const METRICS_TOKEN = "hostile-metrics-token-0123456789"

let dataDir = ""
let base = ""
let trackingToken = ""
let scope: Scope.Closeable | undefined
let runInHub: <A>(effect: Effect.Effect<A, unknown, Sql>) => Promise<A>
/** Another HTTP server over the same hub, with limits of its own: its base URL. */
let startServer: (options?: Partial<HubHttpOptions>) => Promise<string>
/** What the hub logged, as its operator reads it: the message, and the cause when there is one. */
const logged: Array<string> = []

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pb-hub-hostile-"))
  const clock = StationClock.manual(NOW_MS)
  const services = Layer.mergeAll(
    HubProjection.layer,
    Layer.effect(
      Shops,
      Effect.gen(function* () {
        const sql = yield* Sql
        return makeShopHub(
          sql,
          Effect.map(clock.clock.now, (now) => now.wallMs),
          noShops
        )
      })
    )
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerSqlite({ filename: join(dataDir, "hub.db") }),
        Layer.succeed(HubSettings, hubTestSettings("http://127.0.0.1")),
        clock.layer,
        CryptoTrackingTokensLayer,
        Logger.layer([
          Logger.make((entry) => {
            logged.push(`${String(entry.message)} ${entry.cause.reasons.length === 0 ? "" : String(entry.cause)}`)
          })
        ])
      )
    ),
    Layer.orDie
  )
  const hubScope = Effect.runSync(Scope.make())
  scope = hubScope
  const context = await Effect.runPromise(Layer.buildWithScope(services, hubScope))
  runInHub = (effect) => Effect.runPromise(Effect.provideContext(effect, context))
  // One parcel handed to the carrier, as a station's stream brings it, so its tracking page exists.
  const next = stationStream({ siteId: "HAM1", stationId: "HX-01", epoch: "E1" })
  const at = (event: EventEnvelope): EventEnvelope => ({
    ...event,
    eventTime: { ...event.eventTime, wallMs: NOW_MS - 60_000 },
    recordTimeMs: NOW_MS - 60_000
  })
  const events = [
    next(OrderReceived, {
      order: sampleOrder("HX-1", { email: "hx@example.test", locale: "en" }),
      replacedVersion: null
    }),
    next(
      ParcelPacked,
      packedParcel({ orderId: "HX-1", parcelId: "P-HX-1", trackingNumber: TRACKING_NUMBER, stationId: "HX-01" })
    ),
    next(ParcelHandedToCarrier, {
      batchId: "H-1",
      parcelId: "P-HX-1",
      orderId: "HX-1",
      carrier: "dhl-paket",
      trackingNumber: TRACKING_NUMBER
    })
  ].map(at)
  await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      const sql = yield* Sql
      const projection = yield* HubProjection
      for (const event of events) yield* sql.transaction(projection.applyStationEvent(event))
    }).pipe(Effect.provideContext(context))
  )
  startServer = (options = {}) =>
    Effect.runPromise(
      startHubHttpServer({
        host: "127.0.0.1",
        port: 0,
        webhookSecret: SECRET,
        metricsToken: METRICS_TOKEN,
        ...options
      }).pipe(Effect.provideContext(context), Scope.provide(hubScope))
    ).then((server) => server.url)
  base = await startServer()
  const rows = await runInHub(
    Effect.gen(function* () {
      const sql = yield* Sql
      return yield* sql.query<{ tracking_token: string }>(
        "SELECT tracking_token FROM hub_parcels WHERE parcel_id = 'P-HX-1'"
      )
    })
  )
  trackingToken = rows[0]!.tracking_token
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dataDir, { recursive: true, force: true })
})

/** A request with its target exactly as given: `fetch` and `new URL` would repair or refuse a garbled one first. */
const sendTo = (
  server: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer
): Promise<{ readonly status: number; readonly type: string; readonly allow: string; readonly text: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server)
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers["content-type"] ?? "",
          allow: res.headers.allow ?? "",
          text: Buffer.concat(chunks).toString("utf8")
        })
      )
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
  sendTo(base, method, path, headers, body)

describe("the hub's HTTP server under hostile requests", () => {
  it("answers a link whose percent-escapes are not UTF-8 with 400 Bad request, not a 500", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" }
    const asks: ReadonlyArray<readonly [string, string, Record<string, string>?, string?]> = [
      ["GET", "/t/%"],
      ["GET", "/t/%E0%A4%A"],
      ["GET", "/f/%"],
      ["POST", "/f/%ff", form, "rating=5"],
      ["GET", "/u/%"],
      ["POST", "/u/%C0%AF", form, "List-Unsubscribe=One-Click"],
      ["GET", "/a/%"],
      ["POST", "/a/%", form, "token=%25"]
    ]
    for (const [method, path, headers, body] of asks) {
      const answer = await send(method, path, headers, body)
      expect(answer.status, `${method} ${path}`).toBe(400)
      expect(answer.type, `${method} ${path}`).toMatch(/^text\/html/)
      expect(answer.text, `${method} ${path}`).toContain("Bad request")
    }
    expect((await send("GET", `/t/${trackingToken}`)).status).toBe(200)
  })

  it("answers a request target that is no path (an unparsable absolute or authority form) with 400 and why", async () => {
    for (const target of ["//[/healthz", "http://hub:99999/healthz", "http://[/t/x"]) {
      const answer = await send("GET", target)
      expect(answer.status, target).toBe(400)
      expect(JSON.parse(answer.text), target).toEqual({ error: expect.stringContaining("request target") })
    }
    expect((await send("GET", "/healthz")).status).toBe(200)
  })

  it("refuses a path that would be read as another (dot segments, %2e, backslashes, //host) instead of serving that one", async () => {
    const authorization = `Bearer ${METRICS_TOKEN}`
    // Each is /metrics to `new URL`: a proxy that lets only /t/… through would have passed it on.
    const targets = [
      "/t/%2e%2e/metrics",
      "/t/%2E%2e/metrics",
      "/t/.%2e/metrics",
      "/t/../metrics",
      "/t/x/./../../metrics",
      "/t\\..\\metrics",
      "//t/metrics",
      "http://hub/t/%2e%2e/metrics"
    ]
    for (const target of targets) {
      const answer = await send("GET", target, { authorization })
      expect(answer.status, target).toBe(400)
      expect(JSON.parse(answer.text), target).toEqual({
        error:
          "the request path has a dot segment (. or .., also as %2e), a backslash or a leading //: it would name another path than it shows"
      })
    }
    expect((await send("GET", "/metrics", { authorization })).status).toBe(200)
    expect((await send("GET", `/t/${trackingToken}`)).status).toBe(200)
  })

  it("answers a method a path does not take with 405 and the ones it does, not as an unknown path", async () => {
    const cases = [
      ["PUT", "/webhooks/carrier", "POST"],
      ["GET", "/shops/shopify/webhook", "POST"],
      ["DELETE", `/t/${trackingToken}`, "GET, HEAD"],
      ["PATCH", `/a/${"A".repeat(24)}`, "GET, HEAD, POST"],
      ["POST", "/metrics", "GET, HEAD"]
    ] as const
    for (const [method, path, allowed] of cases) {
      const answer = await send(method, path)
      expect(answer.status, `${method} ${path}`).toBe(405)
      expect(answer.allow, `${method} ${path}`).toBe(allowed)
      expect(JSON.parse(answer.text), `${method} ${path}`).toEqual({
        error: `${method} is not taken here: use ${allowed}`
      })
    }
    expect((await send("GET", "/nowhere")).status).toBe(404)
  })

  it("answers HEAD of a GET route as GET without the body (an uptime check's HEAD /healthz)", async () => {
    const authorization = `Bearer ${METRICS_TOKEN}`
    for (const [path, headers] of [
      ["/healthz", {}],
      [`/t/${trackingToken}`, {}],
      ["/metrics", { authorization }],
      ["/epcis?from=2026-12-01T00:00:00Z&to=2026-12-07T00:00:00Z", { authorization }]
    ] as const) {
      const get = await send("GET", path, headers)
      const head = await send("HEAD", path, headers)
      expect(head.status, path).toBe(200)
      expect(head.type, path).toBe(get.type)
      expect(head.text, path).toBe("")
    }
    expect((await send("HEAD", "/metrics")).status).toBe(401)
    expect((await send("HEAD", "/nowhere")).status).toBe(404)
    const posted = await send("HEAD", "/webhooks/carrier")
    expect(posted.status).toBe(405)
    expect(posted.allow).toBe("POST")
  })

  /** `body` posted to the carrier webhook as a carrier signs it, at the hub's time. */
  const postCarrierWebhook = (deliveryId: string, body: string) => {
    const timestamp = String(NOW_MS / 1000)
    return send(
      "POST",
      "/webhooks/carrier",
      {
        "content-type": "application/json",
        "x-packbench-timestamp": timestamp,
        "x-packbench-signature": signWebhook(SECRET, timestamp, body),
        "x-packbench-delivery": deliveryId
      },
      body
    )
  }

  /** One scan of the parcel, delivered under its own id as the delivery's. */
  const deliverScan = (eventId: string, status: string, occurredAtMs: number) =>
    postCarrierWebhook(
      eventId,
      JSON.stringify({
        events: [{ eventId, carrier: "dhl-paket", trackingNumber: TRACKING_NUMBER, status, occurredAtMs }]
      })
    )

  it("refuses a carrier scan whose time is no instant a scan can have; the parcel's tracking page keeps working", async () => {
    const deliver = (deliveryId: string, occurredAtMs: string) =>
      // The number as the carrier's JSON writes it: 1e400 is what JSON.parse reads as Infinity.
      postCarrierWebhook(
        deliveryId,
        `{"events":[{"eventId":"${deliveryId}","carrier":"dhl-paket","trackingNumber":"${TRACKING_NUMBER}","status":"in-transit","occurredAtMs":${occurredAtMs}}]}`
      )
    for (const [deliveryId, occurredAtMs] of [
      ["scan-infinity", "1e400"],
      ["scan-1e308", "1e308"],
      ["scan-before-1970", "-1"],
      ["scan-fraction", "1765022400000.5"],
      ["scan-year-1970", "0"]
    ] as const) {
      const answer = await deliver(deliveryId, occurredAtMs)
      expect(answer.status, occurredAtMs).toBe(400)
      expect(JSON.parse(answer.text).error, occurredAtMs).toContain("occurredAtMs")
      const page = await send("GET", `/t/${trackingToken}`)
      expect(page.status, occurredAtMs).toBe(200)
    }
    const stored = await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        return yield* sql.query<{ carrier_event_id: string }>("SELECT carrier_event_id FROM hub_tracking_events")
      })
    )
    expect(stored).toEqual([])
    // A scan at a real time still goes in, and the page shows it.
    expect((await deliver("scan-real", String(NOW_MS - 30_000))).status).toBe(200)
    const page = await send("GET", `/t/${trackingToken}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('data-status="in-transit"')
  })

  it("keeps a scan stamped days ahead of the hub's clock off the timeline, where it would outrank every real scan", async () => {
    const ahead = await deliverScan("scan-ahead", "delivered", NOW_MS + 3 * 86_400_000)
    expect(ahead.status).toBe(200)
    expect(JSON.parse(ahead.text)).toEqual({ outcomes: ["ahead-of-clock"] })
    expect(logged).toContainEqual(
      expect.stringContaining(
        "scan scan-ahead of 00340434160000000001 refused: its time is 4320 min ahead of this clock"
      )
    )
    const real = await deliverScan("scan-later", "out-for-delivery", NOW_MS - 10_000)
    expect(JSON.parse(real.text)).toEqual({ outcomes: ["added"] })
    const page = await send("GET", `/t/${trackingToken}`)
    expect(page.text).toContain('data-status="out-for-delivery"')
    const stored = await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        return yield* sql.query<{ carrier_event_id: string }>(
          "SELECT carrier_event_id FROM hub_tracking_events WHERE carrier_event_id = 'scan-ahead'"
        )
      })
    )
    expect(stored).toEqual([])
  })

  it("tells a carrier delivery by its id and body: a captured one replayed under the carrier's next id takes nothing from it", async () => {
    const scan = (eventId: string, status: string) =>
      JSON.stringify({
        events: [
          { eventId, carrier: "dhl-paket", trackingNumber: TRACKING_NUMBER, status, occurredAtMs: NOW_MS - 60_000 }
        ]
      })
    const captured = scan("scan-captured", "in-transit")
    expect((await postCarrierWebhook("carrier-41", captured)).status).toBe(200)
    expect((await postCarrierWebhook("carrier-41", captured)).status).toBe(409)
    // Under the id the carrier gives its next delivery: it goes in as what it is, a scan known already.
    const replayed = await postCarrierWebhook("carrier-42", captured)
    expect(JSON.parse(replayed.text)).toEqual({ outcomes: ["duplicate"] })
    // The carrier's own delivery 42 still goes in.
    const real = await postCarrierWebhook("carrier-42", scan("scan-after-replay", "out-for-delivery"))
    expect(real.status).toBe(200)
    expect(JSON.parse(real.text)).toEqual({ outcomes: ["added"] })
  })

  /** `body` posted to the carrier webhook signed in the v2 scheme: the delivery id under the HMAC too. */
  const postCarrierWebhookV2 = (
    deliveryId: string,
    body: string,
    signed: { readonly secret?: string; readonly deliveryId?: string } = {}
  ) => {
    const timestamp = String(NOW_MS / 1000)
    return send(
      "POST",
      "/webhooks/carrier",
      {
        "content-type": "application/json",
        "x-packbench-timestamp": timestamp,
        "x-packbench-signature": signWebhookV2(
          signed.secret ?? SECRET,
          timestamp,
          signed.deliveryId ?? deliveryId,
          body
        ),
        "x-packbench-delivery": deliveryId
      },
      body
    )
  }
  const storedScan = (eventId: string) =>
    runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        return yield* sql.query<{ carrier_event_id: string }>(
          "SELECT carrier_event_id FROM hub_tracking_events WHERE carrier_event_id = ?",
          [eventId]
        )
      })
    )

  it("takes a carrier delivery signed with v2=, acting once per its signed id; a forged v2 goes nowhere", async () => {
    // Each scan at a time of its own: the same status at the same time is the same scan however it is named.
    let secondsBefore = 50
    const scan = (eventId: string) =>
      JSON.stringify({
        events: [
          {
            eventId,
            carrier: "dhl-paket",
            trackingNumber: TRACKING_NUMBER,
            status: "in-transit",
            occurredAtMs: NOW_MS - 1_000 * secondsBefore--
          }
        ]
      })
    const taken = await postCarrierWebhookV2("v2-carrier-1", scan("scan-v2-1"))
    expect(taken.status).toBe(200)
    expect(JSON.parse(taken.text)).toEqual({ outcomes: ["added"] })
    // The carrier's redelivery of the same id is a replay, whatever its body: the id is signed and names the delivery.
    expect((await postCarrierWebhookV2("v2-carrier-1", scan("scan-v2-1"))).status).toBe(409)
    expect((await postCarrierWebhookV2("v2-carrier-1", scan("scan-v2-other"))).status).toBe(409)
    expect(await storedScan("scan-v2-other")).toEqual([])

    // Signed with another secret: refused, nothing kept.
    const forged = await postCarrierWebhookV2("v2-carrier-2", scan("scan-v2-forged"), { secret: "not-the-secret" })
    expect(forged.status).toBe(401)
    expect(JSON.parse(forged.text)).toEqual({ error: "bad-signature" })
    // A captured delivery sent again under the carrier's next id: the id is under the MAC, so it does not verify.
    const captured = scan("scan-v2-captured")
    expect((await postCarrierWebhookV2("v2-carrier-3", captured)).status).toBe(200)
    const replayed = await postCarrierWebhookV2("v2-carrier-4", captured, { deliveryId: "v2-carrier-3" })
    expect(replayed.status).toBe(401)
    expect(JSON.parse(replayed.text)).toEqual({ error: "bad-signature" })
    // ... and the carrier's own delivery 4 still goes in.
    const real = await postCarrierWebhookV2("v2-carrier-4", scan("scan-v2-4"))
    expect(JSON.parse(real.text)).toEqual({ outcomes: ["added"] })
    expect(await storedScan("scan-v2-forged")).toEqual([])

    // A v2 delivery id that could make the signed text ambiguous, or none at all, is refused with why.
    for (const deliveryId of ["two words", "", "x".repeat(201)]) {
      const answer = await postCarrierWebhookV2(deliveryId, scan("scan-v2-bad-id"))
      expect(answer.status, deliveryId).toBe(400)
      expect(JSON.parse(answer.text).error, deliveryId).toContain("X-Packbench-Delivery")
    }
    expect(await storedScan("scan-v2-bad-id")).toEqual([])
  })

  it("checks a carrier's signature over the body's bytes: one that is no UTF-8 verifies, and is refused as such", async () => {
    // Latin-1 "ü" (0xFC) where UTF-8 was promised: decoded first, it became U+FFFD and no signature over the bytes matched.
    const body = Buffer.concat([
      Buffer.from(
        `{"events":[{"eventId":"scan-latin1","carrier":"dhl-paket","trackingNumber":"${TRACKING_NUMBER}","status":"in-transit","occurredAtMs":${NOW_MS - 25_000},"location":"M`
      ),
      Buffer.from([0xfc]),
      Buffer.from('nchen"}]}')
    ])
    const timestamp = String(NOW_MS / 1000)
    for (const [deliveryId, signature] of [
      ["latin1-v2", signWebhookV2(SECRET, timestamp, "latin1-v2", body)],
      ["latin1-sha256", signWebhook(SECRET, timestamp, body)]
    ] as const) {
      const answer = await send(
        "POST",
        "/webhooks/carrier",
        {
          "content-type": "application/json",
          "x-packbench-timestamp": timestamp,
          "x-packbench-signature": signature,
          "x-packbench-delivery": deliveryId
        },
        body
      )
      expect(answer.status, deliveryId).toBe(400)
      expect(JSON.parse(answer.text), deliveryId).toEqual({ error: "the body is not UTF-8" })
    }
    expect(await storedScan("scan-latin1")).toEqual([])
  })

  it("keeps taking the first scheme (sha256=) beside v2 for this release", async () => {
    const body = JSON.stringify({
      events: [
        {
          eventId: "scan-first-scheme",
          carrier: "dhl-paket",
          trackingNumber: TRACKING_NUMBER,
          status: "in-transit",
          occurredAtMs: NOW_MS - 40_000
        }
      ]
    })
    const taken = await postCarrierWebhook("first-scheme-1", body)
    expect(JSON.parse(taken.text)).toEqual({ outcomes: ["added"] })
    // A first-scheme replay under an id a v2 delivery of the carrier will use takes nothing from that delivery.
    expect(JSON.parse((await postCarrierWebhook("v2-carrier-5", body)).text)).toEqual({ outcomes: ["duplicate"] })
    expect((await postCarrierWebhookV2("v2-carrier-5", body.replace("first-scheme", "v2-5"))).status).toBe(200)
  })

  it("keeps a scan dated long before its parcel was packed off the timeline: its tracking number's earlier life", async () => {
    // Carriers hand out tracking numbers again after a few years, and a feed may still answer the earlier parcel's
    // scans. Kept, its "delivered" would stick against every real scan after it and mail "has arrived" at once.
    const earlier = await deliverScan("scan-earlier-life", "delivered", Date.UTC(2023, 4, 2, 9))
    expect(earlier.status).toBe(200)
    expect(JSON.parse(earlier.text)).toEqual({ outcomes: ["before-parcel"] })
    expect(logged).toContainEqual(
      expect.stringContaining(
        "scan scan-earlier-life of 00340434160000000001 refused: its time 2023-05-02T09:00:00.000Z is before its parcel P-HX-1 was packed (2026-12-06T11:59:00.000Z)"
      )
    )
    expect(await storedScan("scan-earlier-life")).toEqual([])
    const page = await send("GET", `/t/${trackingToken}`)
    expect(page.text).not.toContain('data-status="delivered"')
    // A label the carrier dates a few hours before the station recorded the packing (two clocks) is this parcel's.
    const label = await deliverScan("scan-label-created", "info-received", NOW_MS - 60_000 - 5 * 3_600_000)
    expect(JSON.parse(label.text)).toEqual({ outcomes: ["added"] })
  })

  /** Each change posted as a scan of its own: refused (400) naming its field and saying `why`, and not kept. */
  const expectScansRefused = async (
    kind: string,
    why: string,
    cases: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]>
  ) => {
    for (const [field, change] of cases) {
      const scan = {
        eventId: `scan-${kind}-${field}`,
        carrier: "dhl-paket",
        trackingNumber: TRACKING_NUMBER,
        status: "in-transit",
        occurredAtMs: NOW_MS - 20_000,
        ...change
      }
      const answer = await postCarrierWebhook(`${kind}-${field}`, JSON.stringify({ events: [scan] }))
      expect(answer.status, field).toBe(400)
      expect(JSON.parse(answer.text).error, field).toContain(field)
      expect(JSON.parse(answer.text).error, field).toContain(why)
      expect(await storedScan(scan.eventId), field).toEqual([])
    }
  }

  it("refuses a carrier scan whose id, number or words are longer than any carrier's, naming the field", async () => {
    // Each within the body's bound: kept, the words went on the tracking page at every view and into the store.
    await expectScansRefused("long", "Expected a value with a length of at most", [
      ["eventId", { eventId: "e".repeat(Bounds.maxIdChars + 1) }],
      ["carrier", { carrier: "c".repeat(Bounds.maxIdChars + 1) }],
      ["trackingNumber", { trackingNumber: "9".repeat(Bounds.maxIdChars + 1) }],
      ["location", { location: "Hamburg ".repeat(Bounds.maxTextChars) }],
      ["description", { description: "Zugestellt ".repeat(5_000) }]
    ])
  })

  it("refuses a carrier scan with a control character in an id or its words, naming the field", async () => {
    // A NUL, which PostgreSQL cannot store in text: the delivery's transaction failed (503) at every retry, and its
    // other scans with it. On SQLite it was kept, with a terminal's escape, for the page and the log.
    await expectScansRefused("control", "without control characters", [
      ["eventId", { eventId: "scan-nul\u0000" }],
      ["carrier", { carrier: "dhl-paket\u001b[2J" }],
      ["trackingNumber", { trackingNumber: `${TRACKING_NUMBER}\u0000` }],
      ["location", { location: "Hamburg\u0000" }],
      ["description", { description: "Zugestellt\u009b2J" }]
    ])
  })

  it("refuses a carrier id with a line break at the edge: it cannot start a log line of its own", async () => {
    const forged = "scan-1\ntimestamp=2026-12-06T12:00:00Z level=INFO message=carrier webhook healthy"
    logged.length = 0
    const answer = await postCarrierWebhook(
      "scan-forged-log",
      JSON.stringify({
        events: [
          {
            eventId: forged,
            carrier: "dhl-paket",
            trackingNumber: TRACKING_NUMBER,
            status: "delivered",
            occurredAtMs: NOW_MS + 3 * 86_400_000
          }
        ]
      })
    )
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.text).error).toContain("eventId")
    expect(logged.filter((line) => line.includes("message=carrier webhook healthy"))).toEqual([])
  })

  it("refuses a metrics window bound that names no instant instead of guessing one", async () => {
    const authorization = `Bearer ${METRICS_TOKEN}`
    for (const query of ["to=2026-02-31", "from=2026-11-01T10:00", "to=999999999999999"]) {
      const answer = await send("GET", `/metrics.csv?${query}`, { authorization })
      expect(answer.status, query).toBe(400)
      expect(JSON.parse(answer.text).error, query).toBe(
        `${query}: expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)`
      )
    }
    expect(
      (await send("GET", "/metrics.csv?from=2026-11-01&to=2026-12-01T00:00:00%2B01:00", { authorization })).status
    ).toBe(200)
  })

  it("refuses a metrics query with a bound given twice or a parameter it does not know, instead of taking one", async () => {
    const authorization = `Bearer ${METRICS_TOKEN}`
    const cases = [
      ["/metrics?from=2026-11-01&from=2026-10-01", "from given more than once"],
      ["/metrics.csv?to=2026-12-01&to=2026-11-15", "to given more than once"],
      // A typo would have served the default window as if it were the one asked for.
      ["/metrics.csv?form=2026-11-01", 'unknown parameter "form": expected from and to']
    ] as const
    for (const [target, error] of cases) {
      const answer = await send("GET", target, { authorization })
      expect(answer.status, target).toBe(400)
      expect(JSON.parse(answer.text), target).toEqual({ error })
    }
  })

  it("reads no more of a feedback or opt-out post than its form can hold", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" }
    const stranger = "S".repeat(24)
    // Refused before the token is looked at: whoever sends it need not hold a link.
    for (const path of [`/f/${stranger}`, `/u/${stranger}`]) {
      const answer = await send("POST", path, form, `comment=${"x".repeat(100_000)}`)
      expect(answer.status, path).toBe(413)
      expect(JSON.parse(answer.text), path).toEqual({ error: "body too large" })
    }
    expect((await send("POST", `/u/${stranger}`, form, "List-Unsubscribe=One-Click")).status).toBe(404)
    // The longest comment the page lets a customer type, in characters that take the most bytes in a form, goes in.
    const token = "T".repeat(24)
    await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* sql.execute(
          "INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms) VALUES ('P-HX-1', 'HX-1', ?, ?)",
          [token, NOW_MS]
        )
      })
    )
    const comment = "€".repeat(maxCommentLength)
    const answer = await send("POST", `/f/${token}`, form, new URLSearchParams({ rating: "5", comment }).toString())
    expect(answer.status).toBe(200)
    const stored = await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        return yield* sql.query<{ comment: string }>("SELECT comment FROM hub_feedback WHERE token = ?", [token])
      })
    )
    expect(stored).toEqual([{ comment }])
  })

  it("answers a connection whose headers or body never end with 408 and closes it, by its own timeouts", async () => {
    const hub = await startServer({ headersTimeoutMs: 100, requestTimeoutMs: 200 })
    expect(await rawConnection(hub, "").closed).toMatch(/^HTTP\/1\.1 408 /)
    expect(await rawConnection(hub, "GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: a").closed).toMatch(
      /^HTTP\/1\.1 408 /
    )
    // A chunked body whose last chunk never comes, under headers that could verify (so it is read): the webhook's read
    // of it does not wait for ever.
    const endless = rawConnection(
      hub,
      `POST /webhooks/carrier HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nX-Packbench-Timestamp: ${NOW_MS / 1000}\r\nX-Packbench-Signature: sha256=00\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`
    )
    expect(await endless.closed).toMatch(/^HTTP\/1\.1 408 /)
    expect((await sendTo(hub, "GET", "/healthz")).status).toBe(200)
  })

  it("holds at most maxConnections connections: one more is closed unanswered and the operator told once", async () => {
    const hub = await startServer({ maxConnections: 2 })
    const held = [1, 2].map(() => rawConnection(hub, "GET /healthz HTTP/1.1\r\nHost: hub\r\n"))
    logged.length = 0
    for (const _ of [1, 2]) {
      expect(await rawConnection(hub, "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n").closed).toBe(
        ""
      )
    }
    expect(logged).toEqual([
      expect.stringContaining("hub: 2 HTTP connections open, the most it holds: new ones are closed unanswered")
    ])
    // The connections it holds are served, and once they closed a new one is too.
    for (const { socket } of held) socket.write("Connection: close\r\n\r\n")
    for (const { closed } of held) expect(await closed).toMatch(/^HTTP\/1\.1 200 /)
    expect((await sendTo(hub, "GET", "/healthz")).status).toBe(200)
  })

  it("refuses a webhook before reading its body when its headers alone say no, and closes the connection", async () => {
    // Each announces a body it never sends: a server that read bodies before the signature would wait for it.
    const announced = (path: string, headers: string) =>
      rawConnection(
        base,
        `POST ${path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n${headers}\r\n`
      ).closed
    const fresh = String(NOW_MS / 1000)
    const stale = String(NOW_MS / 1000 - 3_600)
    const cases = [
      ["no signature", "/webhooks/carrier", `X-Packbench-Timestamp: ${fresh}\r\n`, 401, "missing-headers"],
      ["no timestamp", "/webhooks/carrier", "X-Packbench-Signature: sha256=00\r\n", 401, "missing-headers"],
      [
        "a stale timestamp",
        "/webhooks/carrier",
        `X-Packbench-Timestamp: ${stale}\r\nX-Packbench-Signature: sha256=00\r\n`,
        401,
        "stale-timestamp"
      ],
      ["an unknown connector", "/shops/nowhere/webhook", "X-Shopify-Hmac-Sha256: AAAA\r\n", 404, "no connector nowhere"]
    ] as const
    for (const [what, path, headers, status, error] of cases) {
      const answer = await announced(path, headers)
      expect(answer, what).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `))
      expect(answer.toLowerCase(), what).toContain("connection: close")
      expect(answer, what).toContain(error)
    }
  })

  it("closes an EPCIS export whose client stopped reading once the stream's idle timeout has passed", async () => {
    // 20 MB of stored events in a window of their own: more than the sockets' buffers hold for a client that reads none.
    const padding = "x".repeat(50_000)
    await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        for (let seq = 1; seq <= 400; seq++)
          yield* sql.execute(
            `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
               document) VALUES (?, 'HAM1', 'STALL-01', 'E1', ?, ?, ?, ?)`,
            [`stall-${seq}`, seq, Date.UTC(2026, 10, 1) + seq, Date.UTC(2026, 10, 1) + seq, `{"pad":"${padding}"}`]
          )
      })
    )
    const hub = await startServer({ streamIdleTimeoutMs: 100 })
    logged.length = 0
    const reader = rawConnection(
      hub,
      `GET /epcis?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${METRICS_TOKEN}\r\n\r\n`
    )
    reader.socket.pause()
    await waitFor("the stalled export closed", () => logged.some((line) => line.includes("stopped reading")))
    expect(logged.filter((line) => line.includes("stopped reading"))).toEqual([
      expect.stringContaining("hub: closed an EPCIS export whose client stopped reading for 100 ms")
    ])
    reader.socket.destroy()
    expect((await sendTo(hub, "GET", "/healthz")).status).toBe(200)
  })

  // Last: it breaks the hub's store.
  it("tells its operator what failed when a request fails inside the hub, and the client only that it did", async () => {
    const feedbackToken = "F".repeat(24)
    await runInHub(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* sql.execute("DROP TABLE hub_feedback", [])
      })
    )
    logged.length = 0
    const answer = await send("GET", `/f/${feedbackToken}?rating=5`)
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.text)).toEqual({ error: "internal error" })
    expect(answer.text).not.toContain("hub_feedback")
    const lines = logged.filter((line) => line.includes("GET /f/"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("hub_feedback")
    // The link's token is the customer's secret: the log names the route, not the token.
    expect(lines[0]).not.toContain(feedbackToken)
  })
})
