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
import { Effect, Layer } from "effect"
import { migrate } from "../core/store/Migrations.ts"
import { Sql } from "../core/store/Sql.ts"
import { StationClock } from "../core/time/Clock.ts"
import { layerSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { countingTrackingTokensLayer } from "../fixtures/hub/countingTrackingTokens.ts"
import { shippedParcels, stationStream } from "../fixtures/hub/HubRig.ts"
import { unusedWebhookSenderLayer } from "../fixtures/hub/unusedWebhookSender.ts"
import { HubProjection } from "../hub/core/notify/HubProjection.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { Mailer } from "../hub/core/notify/Mailer.ts"
import { hubMigrations } from "../hub/core/notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../hub/core/notify/NotificationSender.ts"
import { countScavenges } from "./scavengeCounter.ts"

const mailsArg = process.argv.indexOf("--mails")
const mails = mailsArg === -1 ? 3_000 : Number(process.argv[mailsArg + 1])
if (!Number.isInteger(mails) || mails < 1) throw new Error(`--mails takes a whole number above 0, not ${mails}`)

// Tuesday 24 November 2026, 10:00 in Berlin, where the orders go: outside the quiet hours.
const start = Date.UTC(2026, 10, 24, 9, 0)
const clock = StationClock.manual(start)

const scavenges = countScavenges()

// Each order (its confirmation) and its handover to the carrier, from one station's stream.
const events = shippedParcels(
  stationStream({ siteId: "HAM1", stationId: "PACK-01", epoch: "E1" }),
  "H-1",
  Array.from({ length: mails }, (_, n) => ({
    orderId: `SO-${n}`,
    email: `customer${n}@example.test`,
    carrier: "dhl-paket",
    trackingNumber: `0034043416${String(n).padStart(10, "0")}`
  }))
)
const orders = events.filter((_, index) => index % 2 === 0)
const handovers = events.filter((_, index) => index % 2 === 1)

const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-sender-cpu-")), "hub.db") }),
      clock.layer,
      Layer.succeed(Mailer, Mailer.of({ concurrency: 64, send: () => Effect.succeed({ response: "250 OK" }) })),
      unusedWebhookSenderLayer,
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
    for (const event of orders) yield* sql.transaction(hub.applyStationEvent(event))
    while ((yield* sender.sendDue).sent > 0) {}
    for (const event of handovers) yield* sql.transaction(hub.applyStationEvent(event))
    const cpuBefore = process.cpuUsage()
    const scavengesBefore = scavenges()
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
      scavengesPer100Mails: Number(((100 * (scavenges() - scavengesBefore)) / Math.max(1, sent)).toFixed(2))
    }
  }).pipe(Effect.provide(layer))
)
console.log(JSON.stringify(result))
