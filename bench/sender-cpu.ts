// The notification sender's own CPU a mail, apart from the broker, the consumer and SMTP: N orders and their
// handovers are recorded on a SQLite file (not measured), then `sendDue` passes send the N "on its way" mails to a
// mailer that accepts each at once, and the CPU of those passes is divided by the mails sent; the process's young
// collections (scavenges) in them are counted too, for what the sender allocates. Less affected by a loaded machine
// than bench:hub-latency's CPU a mail (no second process, no hub falling behind and batching differently), so two
// commits can be compared with it in turn, several runs each. Prints one JSON line; asserts nothing.
//   npx tsx bench/sender-cpu.ts [--mails N]   (default 3,000)
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { constants, PerformanceObserver } from "node:perf_hooks"
import { Effect, Layer } from "effect"
import type { EventEnvelope } from "../core/events/Event.ts"
import { migrate } from "../core/store/Migrations.ts"
import { Sql } from "../core/store/Sql.ts"
import { StationClock } from "../core/time/Clock.ts"
import { layerSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { countingTrackingTokensLayer } from "../fixtures/hub/countingTrackingTokens.ts"
import { HubProjection } from "../hub/core/notify/HubProjection.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { Mailer } from "../hub/core/notify/Mailer.ts"
import { hubMigrations } from "../hub/core/notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../hub/core/notify/NotificationSender.ts"
import { WebhookError, WebhookSender } from "../hub/core/notify/WebhookSender.ts"

const mailsArg = process.argv.indexOf("--mails")
const mails = mailsArg === -1 ? 3_000 : Number(process.argv[mailsArg + 1])
if (!Number.isInteger(mails) || mails < 1) throw new Error(`--mails takes a whole number above 0, not ${mails}`)

// Tuesday 24 November 2026, 10:00 in Berlin: outside anyone's quiet hours in London, where the orders go.
const start = Date.UTC(2026, 10, 24, 9, 0)
const clock = StationClock.manual(start)

let scavenges = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++
  }
}).observe({ entryTypes: ["gc"] })

let seq = 0
const envelope = (type: string, payload: unknown): EventEnvelope => ({
  id: `ev-${++seq}`,
  type,
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "E1",
  seq,
  eventTime: { wallMs: start, monoNs: "0" },
  recordTimeMs: start,
  actor: { role: "packer" },
  payload
})
const orderReceived = (n: number) =>
  envelope("order.received", {
    order: {
      orderId: `SO-${n}`,
      version: 1,
      status: "open",
      brand: "alpenglow",
      customer: {
        customerId: `C-${n}`,
        firstName: "Emma",
        lastName: "Stone",
        email: `emma${n}@example.test`,
        locale: "en"
      },
      shipTo: { name: "Emma Stone", street1: "1 High St", postalCode: "SW1A 1AA", city: "London", country: "GB" },
      serviceLevel: "standard",
      carrier: "dhl-paket",
      lines: [{ lineId: "1", sku: "X", quantity: 1, unitPrice: 1 }],
      payment: { method: "card", currency: "EUR", total: 1 },
      placedAt: "2026-11-24T08:00:00Z"
    },
    replacedVersion: null
  })
const handed = (n: number) =>
  envelope("parcel.handed-to-carrier", {
    batchId: "H-1",
    parcelId: `P-${n}`,
    orderId: `SO-${n}`,
    carrier: "dhl-paket",
    trackingNumber: `0034043416${String(n).padStart(10, "0")}`
  })

const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-sender-cpu-")), "hub.db") }),
      clock.layer,
      Layer.succeed(Mailer, Mailer.of({ concurrency: 64, send: () => Effect.succeed({ response: "250 OK" }) })),
      Layer.succeed(
        WebhookSender,
        WebhookSender.of({
          send: () => Effect.fail(new WebhookError({ reason: "Unavailable", permanent: false, message: "unused" }))
        })
      ),
      countingTrackingTokensLayer,
      Layer.succeed(HubSettings, {
        ...HubSettings.defaults("https://track.test"),
        notify: { ...HubSettings.defaults("").notify, orderConfirmations: true }
      })
    )
  )
)

const result = await Effect.runPromise(
  Effect.gen(function* () {
    yield* migrate(hubMigrations)
    const hub = yield* HubProjection
    const sender = yield* NotificationSender
    const sql = yield* Sql
    // The confirmations first, as in the field: each customer's unsubscribe token is made with their first mail.
    for (let n = 0; n < mails; n++) yield* sql.transaction(hub.applyStationEvent(orderReceived(n)))
    while ((yield* sender.sendDue).sent > 0) {}
    for (let n = 0; n < mails; n++) yield* sql.transaction(hub.applyStationEvent(handed(n)))
    const cpuBefore = process.cpuUsage()
    const scavengesBefore = scavenges
    let sent = 0
    while (true) {
      const report = yield* sender.sendDue
      if (report.sent === 0) break
      sent += report.sent
    }
    const cpu = process.cpuUsage(cpuBefore)
    // The observer hears of the last collections on a later turn.
    yield* Effect.sleep("50 millis")
    return {
      mails: sent,
      cpuPerMailUs: Math.round((cpu.user + cpu.system) / Math.max(1, sent)),
      scavengesPer100Mails: Number(((100 * (scavenges - scavengesBefore)) / Math.max(1, sent)).toFixed(2))
    }
  }).pipe(Effect.provide(layer))
)
console.log(JSON.stringify(result))
