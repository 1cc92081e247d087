import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { hubTestSettings } from "../../../fixtures/hub/HubRig.ts"
import { makeMemoryShop } from "../../../fixtures/shops/MemoryShop.ts"
import { testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { defaultPushQueueSettings, enqueuePush } from "../../core/shop/PushQueue.ts"
import { makeShopHub, Shops } from "../../core/shop/ShopHub.ts"
import { shopMetricsStatements } from "../../core/shop/ShopMetrics.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { startHubHttpServer } from "./HubHttpServer.ts"

/**
 * `GET /metrics/shops` of a real hub (its HTTP server over a real SQLite file): the figures a monitoring system scrapes
 * match a queue state the test writes, in the text exposition format a strict parser takes line by line, and only for
 * the hub's metrics token.
 */

const NOW_MS = Date.UTC(2026, 11, 6, 12)
const METRICS_TOKEN = "shop-metrics-token-0123456789"

let dataDir = ""
let base = ""
let scope: Scope.Closeable | undefined

const shopify = makeMemoryShop({ ...testSettings, id: "shopify" })
const woo = makeMemoryShop({ ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" })
const fresh = makeMemoryShop({ ...testSettings, id: "fresh", type: "webhook", orderIdPrefix: "NEW" })

/** The queue as the test scripts it: what each push is, and when it was queued. */
const scriptedQueue = (sql: Sql["Service"]) =>
  Effect.gen(function* () {
    const push = (connectorId: string, key: string, queuedMs: number) =>
      enqueuePush(
        sql,
        {
          connectorId,
          kind: "fulfillment",
          idempotencyKey: key,
          subject: key,
          orderId: `SO-${key}`,
          groupKey: key,
          payload: {},
          dueMs: queuedMs
        },
        queuedMs
      )
    const set = (key: string, status: string, failedAs: string | null) =>
      sql.execute("UPDATE shop_pushes SET status = ?, failed_as = ? WHERE idempotency_key = ?", [status, failedAs, key])
    // shopify: 3 to be sent (the oldest queued 90 s ago, one being sent), 4 waiting for a manager, 2 done, 1 discarded.
    yield* push("shopify", "s-1", NOW_MS - 600_000)
    yield* set("s-1", "done", null)
    yield* push("shopify", "s-2", NOW_MS - 90_000)
    yield* push("shopify", "s-3", NOW_MS - 60_000)
    yield* set("s-3", "sending", null)
    yield* push("shopify", "s-4", NOW_MS - 1_500)
    yield* push("shopify", "s-5", NOW_MS - 500_000)
    yield* set("s-5", "failed", "refused")
    yield* push("shopify", "s-6", NOW_MS - 400_000)
    yield* set("s-6", "failed", "unauthorized")
    yield* push("shopify", "s-7", NOW_MS - 300_000)
    yield* set("s-7", "failed", "unauthorized")
    // A push failed before migration 63 told why: the shop refused it.
    yield* push("shopify", "s-8", NOW_MS - 200_000)
    yield* set("s-8", "failed", null)
    yield* push("shopify", "s-9", NOW_MS - 100_000)
    yield* set("s-9", "done", null)
    yield* push("shopify", "s-10", NOW_MS - 700_000)
    yield* set("s-10", "discarded", null)
    // woo: nothing to send, one malformed answer handed over; its catch-up failed 4 passes in a row.
    yield* push("woo", "w-1", NOW_MS - 50_000)
    yield* set("w-1", "failed", "malformed")
    yield* sql.execute(
      `INSERT INTO shop_connectors (connector_id, poll_cursor, poll_failures, last_poll_ms, next_poll_ms)
       VALUES ('shopify', 'c', 0, ?, 0), ('woo', 'c', 4, ?, 0)`,
      [NOW_MS - 30_000, NOW_MS - 3_600_500]
    )
  })

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pb-hub-shop-metrics-"))
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
          {
            connectors: [shopify.connector, woo.connector, fresh.connector],
            routing: { rules: [], defaultSite: "HAM1" },
            queue: defaultPushQueueSettings,
            pollIntervalMs: 60_000,
            firstPollLookbackMs: 0,
            sha256: () => ""
          }
        )
      })
    )
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerSqlite({ filename: join(dataDir, "hub.db") }),
        Layer.succeed(HubSettings, hubTestSettings("http://127.0.0.1")),
        clock.layer,
        CryptoTrackingTokensLayer
      )
    ),
    Layer.orDie
  )
  const hubScope = Effect.runSync(Scope.make())
  scope = hubScope
  const context = await Effect.runPromise(Layer.buildWithScope(services, hubScope))
  const server = await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      yield* scriptedQueue(yield* Sql)
      return yield* startHubHttpServer({
        host: "127.0.0.1",
        port: 0,
        webhookSecret: "shop-metrics-webhook-secret",
        metricsToken: METRICS_TOKEN
      })
    }).pipe(Effect.provideContext(context), Scope.provide(hubScope))
  )
  base = server.url
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dataDir, { recursive: true, force: true })
})

/**
 * The text exposition format (version 0.0.4), strictly: every line a HELP, a TYPE or a sample of a family whose TYPE
 * came before, names and label names as the format allows, label values with only its escapes, a number as value, the
 * text ending in a line feed. Each sample by its name and labels (sorted), so the test reads what a scraper reads.
 */
const parseExposition = (text: string) => {
  const name = "[a-zA-Z_:][a-zA-Z0-9_:]*"
  const label = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
  const value = "(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|NaN|[+-]Inf)"
  const sampleLine = new RegExp(`^(${name})(?:\\{((?:${label})(?:,${label})*)?\\})? (${value})(?: -?\\d+)?$`)
  const helpLine = new RegExp(`^# HELP (${name}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`)
  const typeLine = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`)
  expect(text.endsWith("\n"), "the text ends in a line feed").toBe(true)
  const typed = new Map<string, string>()
  const helped = new Set<string>()
  const samples = new Map<string, number>()
  for (const line of text.slice(0, -1).split("\n")) {
    const help = helpLine.exec(line)
    if (help !== null) {
      expect(helped.has(help[1]!), `one HELP for ${help[1]}`).toBe(false)
      helped.add(help[1]!)
      continue
    }
    const type = typeLine.exec(line)
    if (type !== null) {
      expect(typed.has(type[1]!), `one TYPE for ${type[1]}`).toBe(false)
      typed.set(type[1]!, type[2]!)
      continue
    }
    const sample = sampleLine.exec(line)
    expect(sample, `a valid line: ${JSON.stringify(line)}`).not.toBeNull()
    const [, metric, labels, number] = sample!
    expect(typed.has(metric!), `TYPE before the samples of ${metric}`).toBe(true)
    const pairs = [...(labels ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, key, raw]) => `${key}=${raw!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))}`)
      .sort()
    const key = `${metric}{${pairs.join(",")}}`
    expect(samples.has(key), `one sample ${key}`).toBe(false)
    samples.set(key, Number(number))
  }
  return { samples, typed, helped }
}

const scrape = (headers: Record<string, string> = { authorization: `Bearer ${METRICS_TOKEN}` }) =>
  fetch(`${base}/metrics/shops`, { headers })

describe("GET /metrics/shops", () => {
  it("gives each connector's figures of the queue as it stands, in the text exposition format", async () => {
    const response = await scrape()
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4(;|$)/)
    const { samples, typed, helped } = parseExposition(await response.text())
    expect(Object.fromEntries(samples)).toEqual({
      "packbench_hub_shop_pushes_queued{connector=shopify}": 3,
      "packbench_hub_shop_pushes_queued{connector=woo}": 0,
      "packbench_hub_shop_pushes_queued{connector=fresh}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=shopify,reason=refused}": 2,
      "packbench_hub_shop_pushes_handed_over{connector=shopify,reason=malformed}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=shopify,reason=unauthorized}": 2,
      "packbench_hub_shop_pushes_handed_over{connector=woo,reason=refused}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=woo,reason=malformed}": 1,
      "packbench_hub_shop_pushes_handed_over{connector=woo,reason=unauthorized}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=fresh,reason=refused}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=fresh,reason=malformed}": 0,
      "packbench_hub_shop_pushes_handed_over{connector=fresh,reason=unauthorized}": 0,
      "packbench_hub_shop_oldest_queued_seconds{connector=shopify}": 90,
      "packbench_hub_shop_oldest_queued_seconds{connector=woo}": 0,
      "packbench_hub_shop_oldest_queued_seconds{connector=fresh}": 0,
      "packbench_hub_shop_catch_up_failed_passes{connector=shopify}": 0,
      "packbench_hub_shop_catch_up_failed_passes{connector=woo}": 4,
      "packbench_hub_shop_catch_up_failed_passes{connector=fresh}": 0,
      // A connector that never pulled has no sample: the format leaves out what is not known.
      "packbench_hub_shop_last_pull_success_timestamp_seconds{connector=shopify}": (NOW_MS - 30_000) / 1000,
      "packbench_hub_shop_last_pull_success_timestamp_seconds{connector=woo}": (NOW_MS - 3_600_500) / 1000
    })
    expect([...typed.values()].every((type) => type === "gauge")).toBe(true)
    expect([...helped].sort()).toEqual([...typed.keys()].sort())
  })

  it("refuses a scrape without the hub's metrics token, and says nothing of the shops", async () => {
    for (const headers of [
      {},
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: METRICS_TOKEN },
      { authorization: `Basic ${METRICS_TOKEN}` }
    ]) {
      const response = await scrape(headers)
      expect(response.status, JSON.stringify(headers)).toBe(401)
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /)
      const text = await response.text()
      expect(text).not.toContain("packbench_hub_shop")
      expect(Object.keys(JSON.parse(text) as object)).toEqual(["error"])
    }
  })

  it("reads no growing table whole: each query a look-up by key or a range of an index, as the pruning of deliveries", () => {
    const db = new Database(join(dataDir, "hub.db"), { readonly: true })
    try {
      // The pruning of webhook deliveries by age (ShopHub.pruneWebhookDeliveries) finds them by migration 67's index:
      // the primary key (connector, delivery) would read every delivery of the connector.
      const prune = "DELETE FROM shop_webhook_deliveries WHERE connector_id = ? AND received_at_ms < ?"
      const prunePlan = db.prepare(`EXPLAIN QUERY PLAN ${prune}`).all("shopify", 0) as Array<{ detail: string }>
      expect(prunePlan.map((row) => row.detail)).toEqual([
        "SEARCH shop_webhook_deliveries USING INDEX shop_webhook_deliveries_by_age (connector_id=? AND received_at_ms<?)"
      ])
      for (const statement of [...Object.values(shopMetricsStatements), prune]) {
        const parameters = ["shopify", 0].slice(0, statement.split("?").length - 1)
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...parameters) as Array<{ detail: string }>)
          .map((row) => row.detail)
          .filter((detail) => /^(SCAN|SEARCH) /.test(detail))
        expect(plan.length, statement).toBeGreaterThan(0)
        for (const step of plan) expect(step, statement).toMatch(/^SEARCH \w+ USING (COVERING )?(INDEX|PRIMARY KEY)/)
      }
    } finally {
      db.close()
    }
  })
})
