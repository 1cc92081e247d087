// Hub latency: parcel.handed-to-carrier published on MQTT → the "on its way" mail accepted by a real SMTP
// server (aiosmtpd writes it to its Maildir after answering 250; the file's time is the acceptance). Parcels are
// published at a steady rate (default 100/s) without waiting for their mail, so each figure is the whole path under
// that load: broker → consumer transaction → outbox → sender → nodemailer → SMTP. Prints figures; asserts nothing.
//   npx tsx bench/hub-latency.ts [--parcels N] [--rate PER_S]
import { mkdtempSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { OrderReceived } from "../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier } from "../core/pack/PackEvents.ts"
import { startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { makeMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { hubRigLayer, publishAll, publishEnvelope, sampleOrder, stationStream } from "../fixtures/hub/HubRig.ts"
import { startAiosmtpd } from "../fixtures/mail/AiosmtpdProcess.ts"
import { waitFor } from "../fixtures/mqtt/SyncRig.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { runHub } from "../hub/drivers/server/Hub.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const parcels = Number(flag("--parcels") ?? 1_000)
const rate = Number(flag("--rate") ?? 100)
const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const main = async () => {
  const smtp = await startAiosmtpd()
  const mqtt = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-bench-"))
  const defaults = HubSettings.defaults("https://track.bench")
  const settings = { ...defaults, notify: { ...defaults.notify, quietHours: { startHour: 0, endHour: 0 } } }
  try {
    const { latencies, publishedRate } = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* runHub({
            dataDir,
            settings,
            http: {
              host: "127.0.0.1",
              port: 0,
              webhookSecret: "bench-secret-0123456789",
              metricsToken: "bench-metrics-token-0123456789"
            },
            senderPollMs: 5_000,
            tickIntervalMs: 60_000,
            ackDelayMs: 20
          })
          const station = yield* makeMqttBroker({ url: mqtt.url, clientId: "bench-station", protocolVersion: 4 })
          yield* waitFor(station.state, (state) => state.connection === "connected", 5_000)
          const next = stationStream({ siteId: "BENCH", stationId: "PACK-01", epoch: "E1" })
          const orderIds = Array.from({ length: parcels }, (_, i) => `B-${i}`)
          yield* publishAll(
            station,
            orderIds.map((orderId) =>
              next(OrderReceived, {
                order: sampleOrder(orderId, { email: `${orderId}@bench.test`, locale: "de" }),
                replacedVersion: null
              })
            )
          )
          // The order confirmations are not measured: wait until they are all out of the way.
          yield* waitFor(
            Effect.sync(() => smtp.count()),
            (n) => n >= parcels,
            120_000
          )
          const confirmations = new Set(smtp.messages().map((mail) => mail.file))
          const publishedAt = new Map<string, number>()
          const started = Date.now()
          for (const [index, orderId] of orderIds.entries()) {
            const due = started + (index * 1000) / rate
            if (due > Date.now()) yield* Effect.sleep(due - Date.now())
            publishedAt.set(`${orderId}@bench.test`, Date.now())
            yield* publishEnvelope(
              station,
              next(ParcelHandedToCarrier, {
                batchId: "H",
                parcelId: `P-${orderId}`,
                orderId,
                carrier: "dhl-paket",
                trackingNumber: `0034043416${orderId.replace(/\D/g, "").padStart(10, "0")}`
              })
            )
          }
          const publishedRate = (parcels * 1000) / (Date.now() - started)
          yield* waitFor(
            Effect.sync(() => smtp.count()),
            (n) => n >= parcels * 2,
            300_000
          )
          const latencies = smtp
            .messages()
            .filter((mail) => !confirmations.has(mail.file))
            .map((mail) => {
              const to = mail.headers.to ?? ""
              const sent = publishedAt.get(/<([^>]+)>/.exec(to)?.[1] ?? to.trim())
              if (sent === undefined) throw new Error(`a mail to ${to} that no parcel of the bench asked for`)
              return statSync(join(smtp.maildir, "new", mail.file)).mtimeMs - sent
            })
          return { latencies, publishedRate }
        })
      ).pipe(
        Effect.provide(
          hubRigLayer({
            dataDir,
            brokerUrl: mqtt.url,
            smtpUrl: smtp.url,
            settings,
            webhookSecret: "bench-secret-0123456789"
          }).pipe(Layer.orDie)
        ),
        Effect.provideService(References.MinimumLogLevel, "Warn")
      )
    )
    const sorted = [...latencies].sort((a, b) => a - b)
    console.log(
      JSON.stringify(
        {
          parcels,
          targetRatePerSec: rate,
          publishedRatePerSec: Number(publishedRate.toFixed(1)),
          path: "handed-to-carrier published → mail accepted by SMTP (aiosmtpd Maildir)",
          medianMs: Number(percentile(sorted, 50).toFixed(1)),
          p99Ms: Number(percentile(sorted, 99).toFixed(1)),
          maxMs: Number((sorted[sorted.length - 1] ?? Number.NaN).toFixed(1))
        },
        null,
        2
      )
    )
  } finally {
    await mqtt.close()
    await smtp.stop()
  }
}

void main()
