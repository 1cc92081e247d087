// Hub latency: parcel.handed-to-carrier published on MQTT → the "on its way" mail accepted by a real SMTP
// server (the test rig's smtp-server notes the time the whole message arrived, before its 250). Parcels are
// published at a steady rate (default 100/s) without waiting for their mail, so each figure is the whole path under
// that load: broker → consumer transaction → outbox → sender → nodemailer → SMTP. The raw baseline in the same run:
// nodemailer alone (one pooled connection, as the hub's mailer) sends the same mails to the same server at the same
// rate, timed from `sendMail` to the server's acceptance; the ratio is printed. Prints figures; asserts nothing.
//   npx tsx bench/hub-latency.ts [--parcels N] [--rate PER_S]
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import nodemailer from "nodemailer"
import { OrderReceived } from "../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier } from "../core/pack/PackEvents.ts"
import { startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { makeMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { hubRigLayer, publishAll, publishEnvelope, sampleOrder, stationStream } from "../fixtures/hub/HubRig.ts"
import { startTestSmtpServer } from "../fixtures/mail/TestSmtpServer.ts"
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

/**
 * nodemailer alone against the same server: `count` copies of a mail the hub sent (its raw text, each to its own
 * address), one started every 1/`rate` s without waiting for the last, over one pooled connection as the hub's
 * mailer uses; each timed from `sendMail` to the server's acceptance.
 */
const rawNodemailer = async (smtp: Awaited<ReturnType<typeof startTestSmtpServer>>, count: number, rate: number) => {
  const before = new Set(smtp.messages().map((mail) => mail.id))
  const sample = smtp.messages().at(-1)
  if (sample === undefined) throw new Error("the hub sent no mail to copy")
  const body = sample.raw.replace(/^To:.*$/im, "To: <{{to}}>")
  const transport = nodemailer.createTransport(smtp.url, { pool: true, maxConnections: 1 } as never)
  try {
    const startedAt = new Map<string, number>()
    const sends: Array<Promise<unknown>> = []
    const started = Date.now()
    for (let index = 0; index < count; index++) {
      const due = started + (index * 1000) / rate
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
      const to = `raw-${index}@bench.test`
      startedAt.set(to, Date.now())
      sends.push(
        transport.sendMail({ envelope: { from: "bench@bench.test", to: [to] }, raw: body.replace("{{to}}", to) })
      )
    }
    await Promise.all(sends)
    return smtp
      .messages()
      .filter((mail) => !before.has(mail.id))
      .map((mail) => {
        const header = mail.headers.to ?? ""
        const to = /<([^>]+)>/.exec(header)?.[1] ?? header.trim()
        const sent = startedAt.get(to)
        if (sent === undefined) throw new Error(`a mail to ${to} that the raw baseline did not send`)
        return mail.acceptedAtMs - sent
      })
  } finally {
    transport.close()
  }
}

const main = async () => {
  const smtp = await startTestSmtpServer()
  const mqtt = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-bench-"))
  const defaults = HubSettings.defaults("https://track.bench")
  // Order confirmations on (off by default): the bench waits for them to be out of the way before it measures.
  const settings = {
    ...defaults,
    notify: { ...defaults.notify, orderConfirmations: true, quietHours: { startHour: 0, endHour: 0 } }
  }
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
          const confirmations = new Set(smtp.messages().map((mail) => mail.id))
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
            .filter((mail) => !confirmations.has(mail.id))
            .map((mail) => {
              const to = mail.headers.to ?? ""
              const sent = publishedAt.get(/<([^>]+)>/.exec(to)?.[1] ?? to.trim())
              if (sent === undefined) throw new Error(`a mail to ${to} that no parcel of the bench asked for`)
              return mail.acceptedAtMs - sent
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
    const raw = [...(await rawNodemailer(smtp, parcels, rate))].sort((a, b) => a - b)
    console.log(
      JSON.stringify(
        {
          parcels,
          targetRatePerSec: rate,
          publishedRatePerSec: Number(publishedRate.toFixed(1)),
          path: "handed-to-carrier published → mail accepted by SMTP (smtp-server on loopback)",
          medianMs: Number(percentile(sorted, 50).toFixed(1)),
          p99Ms: Number(percentile(sorted, 99).toFixed(1)),
          maxMs: Number((sorted[sorted.length - 1] ?? Number.NaN).toFixed(1)),
          rawNodemailer: {
            path: "nodemailer sendMail (one pooled connection) of the same mails at the same rate → accepted",
            medianMs: Number(percentile(raw, 50).toFixed(1)),
            p99Ms: Number(percentile(raw, 99).toFixed(1))
          },
          ratio: {
            median: Number((percentile(sorted, 50) / percentile(raw, 50)).toFixed(2)),
            p99: Number((percentile(sorted, 99) / percentile(raw, 99)).toFixed(2))
          }
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
