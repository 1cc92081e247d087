import { createHmac, timingSafeEqual } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { deliveryKeyOf, NotificationSender } from "../../core/notify/NotificationSender.ts"
import { CryptoTrackingTokensLayer } from "../server/CryptoTrackingTokens.ts"
import { type SignatureVerdict, verifyWebhook } from "../server/WebhookSignature.ts"
import { layerHttpWebhookSender } from "./HttpWebhookSender.ts"
import { layerMailDropMailer } from "./MailDropMailer.ts"

const secret = "shop-webhook-secret"

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: unknown
  readonly raw: string
  /** The first scheme's check (`X-Packbench-Signature: sha256=`), as receivers made before v2 check it. */
  readonly verdict: SignatureVerdict
  /** The v2 check (`X-Packbench-Signature-V2`), as the README's recipe has a receiver make it. */
  readonly verdictV2: SignatureVerdict
}

/**
 * The README's recipe for a receiver of the v2 scheme, written from the README and not from the hub's code: the
 * HMAC-SHA256 in hex of "v2\n<X-Packbench-Timestamp>\n<X-Packbench-Delivery>\n<raw body>" under the shared secret,
 * compared in constant time with `X-Packbench-Signature-V2` after its `v2=`, and the timestamp within 5 minutes.
 */
const verifyV2 = (header: (name: string) => string | undefined, raw: string, nowMs: number): SignatureVerdict => {
  const timestamp = header("x-packbench-timestamp")
  const delivery = header("x-packbench-delivery")
  const signature = header("x-packbench-signature-v2")
  if (timestamp === undefined || delivery === undefined || signature === undefined || !signature.startsWith("v2="))
    return { ok: false, reason: "missing-headers" }
  const expected = createHmac("sha256", secret).update(`v2\n${timestamp}\n${delivery}\n${raw}`).digest()
  const given = Buffer.from(signature.slice(3), "hex")
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "bad-signature" }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs - Number(timestamp) * 1000) > 5 * 60_000)
    return { ok: false, reason: "stale-timestamp" }
  return { ok: true }
}

/**
 * The shop's end of the webhook: a real HTTP server on a loopback port that checks both signatures the way a
 * receiver must (HMAC over the raw body, timestamp within 5 minutes of the test's clock), records every delivery,
 * and answers with the scripted status (then 200).
 */
const startReceiver = async (script: Array<number>, nowMs: () => number = () => start) => {
  const port = await freePort()
  const received: Array<Received> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      const header = (name: string) => {
        const value = request.headers[name]
        return Array.isArray(value) ? value[0] : value
      }
      const verdict = verifyWebhook({
        secret,
        timestamp: header("x-packbench-timestamp"),
        signature: header("x-packbench-signature"),
        body: raw,
        nowMs: nowMs(),
        toleranceMs: 5 * 60_000
      })
      const verdictV2 = verifyV2(header, raw, nowMs())
      received.push({ headers: request.headers, body: JSON.parse(raw), raw, verdict, verdictV2 })
      response.writeHead(verdict.ok ? (script.shift() ?? 200) : 401).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { url: `http://127.0.0.1:${port}/hooks/packbench`, port, received, close }
}

let closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers) await close()
  closers = []
})

const start = Date.UTC(2026, 10, 24, 9, 0)

const orderReceived: EventEnvelope = {
  id: "ev-1",
  type: "order.received",
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "E1",
  seq: 1,
  eventTime: { wallMs: start, monoNs: "0" },
  recordTimeMs: start,
  actor: { role: "packer" },
  payload: { order: sampleOrder("SO-W1", { email: "emma@example.test", locale: "en" }), replacedVersion: null }
}

/** The hub's real sender and projection over SQLite, with the real HTTP webhook driver; the clock is manual. */
const rig = (webhookUrl: string) => {
  const clock = StationClock.manual(start)
  const settings = {
    ...HubSettings.defaults("https://track.test"),
    notify: { ...HubSettings.defaults("").notify, quietHours: { startHour: 0, endHour: 0 }, orderConfirmations: true },
    webhookUrl,
    maxAttempts: 3,
    retryBaseMs: 1_000
  }
  const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-webhook-")), "hub.db") }),
        clock.layer,
        layerMailDropMailer(mkdtempSync(join(tmpdir(), "pb-webhook-mail-"))),
        layerHttpWebhookSender({ secret, timeoutMs: 5_000 }).pipe(Layer.provide(clock.layer)),
        CryptoTrackingTokensLayer,
        Layer.succeed(HubSettings, settings)
      )
    )
  )
  const run = <A, E>(effect: Effect.Effect<A, E, NotificationSender | HubProjection | Sql>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        yield* (yield* HubProjection).applyStationEvent(orderReceived)
        return yield* effect
      }).pipe(Effect.provide(layer))
    )
  return { clock, run }
}

const webhookRow = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{
    notification_id: string
    status: string
    attempts: number
    next_attempt_ms: number
    last_error: string | null
    provider_response: string | null
  }>(
    `SELECT notification_id, status, attempts, next_attempt_ms, last_error, provider_response FROM hub_outbox
     WHERE channel = 'webhook'`
  )
  return rows[0]!
})

describe("outgoing notification webhooks against a real HTTP receiver", () => {
  it("delivers a signed webhook the receiver can verify, with the notification's delivery key as idempotency key", async () => {
    const receiver = await startReceiver([])
    closers.push(receiver.close)
    const { run } = rig(receiver.url)
    const row = await run(
      Effect.gen(function* () {
        yield* (yield* NotificationSender).sendDue
        return yield* webhookRow
      })
    )
    expect(row).toMatchObject({ status: "sent", attempts: 1, provider_response: "HTTP 200", last_error: null })
    expect(receiver.received).toHaveLength(1)
    const delivery = receiver.received[0]!
    // Both schemes for one release: receivers still on the first one keep working while they move to v2.
    expect(delivery.verdict).toEqual({ ok: true })
    expect(delivery.verdictV2).toEqual({ ok: true })
    expect(delivery.headers["x-packbench-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(delivery.headers["x-packbench-signature-v2"]).toMatch(/^v2=[0-9a-f]{64}$/)
    // Stamped by the hub's clock, not the machine's.
    expect(delivery.headers["x-packbench-timestamp"]).toBe(String(start / 1000))
    // Made from the kind and subject: the same for every attempt and for the notification recorded again.
    expect(delivery.headers["idempotency-key"]).toBe(deliveryKeyOf("order-confirmed", "SO-W1"))
    expect(delivery.headers["idempotency-key"]).toMatch(/^n-[0-9a-f]{32}$/)
    expect(delivery.headers["x-packbench-delivery"]).toBe(delivery.headers["idempotency-key"])
    expect(delivery.body).toMatchObject({
      notificationId: row.notification_id,
      kind: "order-confirmed",
      orderId: "SO-W1",
      locale: "en",
      email: "emma@example.test",
      subject: "Your Alpenglow order SO-W1"
    })
  })

  it("signs the delivery id under v2: a captured post sent again under another id fails the v2 check, not the first", async () => {
    const receiver = await startReceiver([])
    closers.push(receiver.close)
    await rig(receiver.url).run(
      Effect.gen(function* () {
        yield* (yield* NotificationSender).sendDue
      })
    )
    const delivery = receiver.received[0]!
    const header = (changed: Record<string, string>) => (name: string) => {
      const value = changed[name] ?? delivery.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    expect(verifyV2(header({}), delivery.raw, start)).toEqual({ ok: true })
    const replayed = header({ "x-packbench-delivery": `n-${"0".repeat(32)}` })
    expect(verifyV2(replayed, delivery.raw, start)).toEqual({ ok: false, reason: "bad-signature" })
    // The first scheme never covered the id: why receivers should move to v2 and act once per the signed id.
    expect(
      verifyWebhook({
        secret,
        timestamp: replayed("x-packbench-timestamp"),
        signature: replayed("x-packbench-signature"),
        body: delivery.raw,
        nowMs: start,
        toleranceMs: 5 * 60_000
      })
    ).toEqual({ ok: true })
    // A timestamp moved on to pass a receiver's freshness check breaks both.
    const restamped = header({ "x-packbench-timestamp": String(start / 1000 + 600) })
    expect(verifyV2(restamped, delivery.raw, start + 600_000)).toEqual({ ok: false, reason: "bad-signature" })
  })

  it("retries a 500 with exponential backoff and delivers the same notification once the receiver recovers", async () => {
    let hubClock: ReturnType<typeof rig>["clock"] | undefined
    const receiver = await startReceiver([500, 503], () => Effect.runSync(hubClock!.clock.now).wallMs)
    closers.push(receiver.close)
    const { run, clock } = rig(receiver.url)
    hubClock = clock
    const rows = await run(
      Effect.gen(function* () {
        const sender = yield* NotificationSender
        const seen: Array<Effect.Success<typeof webhookRow>> = []
        yield* sender.sendDue
        seen.push(yield* webhookRow)
        // Not due before the backoff has passed: no request reaches the receiver.
        yield* sender.sendDue
        expect(receiver.received).toHaveLength(1)
        clock.advance(1_000)
        yield* sender.sendDue
        seen.push(yield* webhookRow)
        clock.advance(1_999)
        yield* sender.sendDue
        expect(receiver.received).toHaveLength(2)
        clock.advance(1)
        yield* sender.sendDue
        seen.push(yield* webhookRow)
        return seen
      })
    )
    expect(rows.map((row) => [row.status, row.attempts, row.last_error])).toEqual([
      ["pending", 1, "HTTP 500"],
      ["pending", 2, "HTTP 503"],
      ["sent", 3, null]
    ])
    expect(rows[0]!.next_attempt_ms).toBe(start + 1_000)
    expect(rows[1]!.next_attempt_ms).toBe(start + 1_000 + 2_000)
    expect(receiver.received.map((delivery) => [delivery.verdict.ok, delivery.verdictV2.ok])).toEqual([
      [true, true],
      [true, true],
      [true, true]
    ])
    // Each attempt is stamped when it is made: the third 3 s after the first.
    expect(receiver.received.map((delivery) => delivery.headers["x-packbench-timestamp"])).toEqual(
      [start, start + 1_000, start + 3_000].map((ms) => String(ms / 1000))
    )
    expect(new Set(receiver.received.map((delivery) => delivery.headers["idempotency-key"])).size).toBe(1)
  })

  it("ends in a visible dead letter after the last attempt when the receiver keeps failing or is down", async () => {
    const receiver = await startReceiver([500])
    const { run, clock } = rig(receiver.url)
    const rows = await run(
      Effect.gen(function* () {
        const sender = yield* NotificationSender
        yield* sender.sendDue
        const afterFive = yield* webhookRow
        // The receiver goes away: connection refused is as retryable as a 500.
        yield* Effect.promise(receiver.close)
        clock.advance(1_000)
        yield* sender.sendDue
        const refused = yield* webhookRow
        clock.advance(2_000)
        const report = yield* sender.sendDue
        const dead = yield* webhookRow
        clock.advance(24 * 3_600_000)
        yield* sender.sendDue
        return { afterFive, refused, report, dead, final: yield* webhookRow }
      })
    )
    expect(rows.afterFive).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 500" })
    expect(rows.refused).toMatchObject({ status: "pending", attempts: 2, last_error: "fetch failed" })
    expect(rows.report.dead).toBe(1)
    expect(rows.dead).toMatchObject({ status: "dead", attempts: 3, last_error: "fetch failed" })
    // Dead stays dead: no fourth attempt however long the hub keeps running.
    expect(rows.final).toEqual(rows.dead)
    expect(receiver.received).toHaveLength(1)
  })

  it("dead-letters at once what the receiver refuses for good (4xx), but retries 429", async () => {
    const refusing = await startReceiver([422])
    closers.push(refusing.close)
    const refused = await rig(refusing.url).run(
      Effect.gen(function* () {
        yield* (yield* NotificationSender).sendDue
        return yield* webhookRow
      })
    )
    expect(refused).toMatchObject({ status: "dead", attempts: 1, last_error: "HTTP 422" })
    expect(refusing.received).toHaveLength(1)

    const throttling = await startReceiver([429])
    closers.push(throttling.close)
    const throttled = await rig(throttling.url).run(
      Effect.gen(function* () {
        yield* (yield* NotificationSender).sendDue
        return yield* webhookRow
      })
    )
    expect(throttled).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 429" })
  })
})
