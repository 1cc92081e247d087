// Everything of `bench:hub-latency` that is not the hub, in a process of its own: the mail server, the broker and the
// packing station publishing to it. In the field the hub's SMTP relay, its broker and the stations are other programs,
// often other machines, so none may wait for the hub's event loop (nor the hub for theirs), and the hub's process
// pays only for the hub's work. In the hub's process, parsing each accepted mail and routing each packet took the CPU
// the hub needed. Prints "ready <smtp url> <mqtt url>" once both listen, then one JSON line per accepted mail: its id,
// its recipient (RCPT TO) and when the server accepted it (wall clock to the microsecond, as the bench's own
// stamps). Requests, one line each on stdin:
//   raw <id>                        that mail's raw text and its parts (subject, text, HTML, headers), as JSON
//   orders <tag> <count>            a station PACK-<tag> publishes `order.received` for orders B<tag>-0 … B<tag>-(count-1)
//                                   (mail to B<tag>-<i>@bench.test), all at once; answers {"ordersOf": tag} once acked
//   handovers <tag> <count> <rate> [<from>]
//                                   the same station hands the parcels of orders B<tag>-<from> … (from 0 by default)
//                                   to the carrier, `rate` a second without waiting for each PUBACK; answers
//                                   {"handoversOf": tag, "publishedAtMs": {address: ms}, "publishedRate": n} once all
//                                   are acked
//   rawtrip <tag> <count> <rate> <from>
//                                   the raw baseline's trip: a plain mqtt.js client publishes the same handovers of a
//                                   station RAW-<tag> (orders R<tag>-<from> …) at QoS 1 to `bench/rawtrip/<tag>`, `rate` a
//                                   second without waiting for each PUBACK; answers {"rawTripOf": tag, "publishedAtMs":
//                                   {address: ms}} once all are acked
// Stops when its stdin closes.
//   node --import tsx bench/mailPeerProcess.ts
import { createInterface } from "node:readline"
import { Effect, Exit, Fiber, Scope } from "effect"
import mqtt from "mqtt"
import type { EventEnvelope } from "../core/events/Event.ts"
import { OrderReceived } from "../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier } from "../core/pack/PackEvents.ts"
import type { Broker } from "../core/sync/Broker.ts"
import { encodeJson } from "../core/sync/Topics.ts"
import { startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { makeMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { publishAll, publishEnvelope, sampleOrder, stationStream } from "../fixtures/hub/HubRig.ts"
import { preciseNowMs, startTestSmtpServer } from "../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../fixtures/mqtt/SyncRig.ts"

// Parsing each mail with mailparser took most of a core of this process's, where the hub and the baselines it serves
// run beside it on a machine of two: the bench needs only each mail's recipient and when it came.
const smtp = await startTestSmtpServer({ parse: "on request" })
const broker = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
const brokerUrl = broker.url
process.stdout.write(`ready ${smtp.url} ${broker.url}\n`)

let reported = 0
const report = () => {
  const count = smtp.count()
  if (count === reported) return
  const mails = smtp.arrivals()
  for (; reported < count; reported++) {
    const mail = mails[reported]!
    process.stdout.write(
      `${JSON.stringify({ id: mail.id, to: mail.envelope.to[0], acceptedAtMs: mail.acceptedAtMs })}\n`
    )
  }
}
const timer = setInterval(report, 5)

/** One station a tag, connected on its first request, with its event stream (sequence numbers go on). */
const stations = new Map<
  string,
  { readonly broker: Broker["Service"]; readonly next: ReturnType<typeof stationStream> }
>()
const stationOf = (tag: string) =>
  Effect.gen(function* () {
    const known = stations.get(tag)
    if (known !== undefined) return known
    const broker = yield* makeMqttBroker({ url: brokerUrl, clientId: `bench-station-${tag}`, protocolVersion: 4 })
    yield* waitFor(broker.state, (state) => state.connection === "connected", 5_000)
    const station = { broker, next: stationStream({ siteId: "BENCH", stationId: `PACK-${tag}`, epoch: "E1" }) }
    stations.set(tag, station)
    return station
  })
const orderIdsOf = (tag: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `B${tag}-${from + i}`)

const publishOrders = (tag: string, count: number) =>
  Effect.gen(function* () {
    const { broker, next } = yield* stationOf(tag)
    yield* publishAll(
      broker,
      orderIdsOf(tag, count).map((orderId) =>
        next(OrderReceived, {
          order: sampleOrder(orderId, { email: `${orderId}@bench.test`, locale: "de" }),
          replacedVersion: null
        })
      )
    )
    return { ordersOf: tag }
  })

/** The handover of order `orderId`'s parcel, as station `next` records it. */
const handoverOf = (next: ReturnType<typeof stationStream>, orderId: string): EventEnvelope =>
  next(ParcelHandedToCarrier, {
    batchId: "H",
    parcelId: `P-${orderId}`,
    orderId,
    carrier: "dhl-paket",
    trackingNumber: `0034043416${orderId.replace(/\D/g, "").padStart(10, "0")}`
  })

const publishHandovers = (tag: string, count: number, rate: number, from: number) =>
  Effect.gen(function* () {
    const { broker, next } = yield* stationOf(tag)
    const publishedAtMs: Record<string, number> = {}
    const publishing: Array<Fiber.Fiber<unknown, unknown>> = []
    const started = Date.now()
    for (const [index, orderId] of orderIdsOf(tag, count, from).entries()) {
      const due = started + (index * 1000) / rate
      if (due > Date.now()) yield* Effect.sleep(due - Date.now())
      const event = handoverOf(next, orderId)
      publishedAtMs[`${orderId}@bench.test`] = preciseNowMs()
      // Not waiting for each PUBACK, as the raw baseline does not wait for each 250: the rate is the offered load.
      // Started at once, not on the scheduler's next turn: the stamp above is when the station's publish begins.
      publishing.push(yield* Effect.forkChild(publishEnvelope(broker, event), { startImmediately: true }))
    }
    const publishedRate = (count * 1000) / (Date.now() - started)
    yield* Fiber.joinAll(publishing)
    return { handoversOf: tag, publishedAtMs, publishedRate }
  })

/**
 * The raw baseline's trip: the same handover events (of a station of their own, so that the hub never sees them),
 * published by mqtt.js itself at QoS 1 to the same broker, stamped as the station's are, just before the publish.
 */
const rawClients = new Map<
  string,
  { readonly client: mqtt.MqttClient; readonly next: ReturnType<typeof stationStream> }
>()
const publishRawTrip = async (tag: string, count: number, rate: number, from: number) => {
  let raw = rawClients.get(tag)
  if (raw === undefined) {
    const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-raw-station-${tag}`, protocolVersion: 4 })
    raw = { client, next: stationStream({ siteId: "BENCH", stationId: `RAW-${tag}`, epoch: "E1" }) }
    rawClients.set(tag, raw)
  }
  const { client, next } = raw
  const publishedAtMs: Record<string, number> = {}
  const publishing: Array<Promise<unknown>> = []
  const started = Date.now()
  for (let index = 0; index < count; index++) {
    const due = started + (index * 1000) / rate
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
    const orderId = `R${tag}-${from + index}`
    const event = handoverOf(next, orderId)
    publishedAtMs[`${orderId}@bench.test`] = preciseNowMs()
    publishing.push(client.publishAsync(`bench/rawtrip/${tag}`, Buffer.from(encodeJson(event)), { qos: 1 }))
  }
  await Promise.all(publishing)
  return { rawTripOf: tag, publishedAtMs }
}

/** The stations' connections live until the process ends. */
const stationsScope = Effect.runSync(Scope.make())
/** Writes what a request comes to as its answer line; a request that fails ends the process. */
const reply = (result: Promise<unknown>) =>
  result.then(
    (answered) => process.stdout.write(`${JSON.stringify(answered)}\n`),
    (error: unknown) => {
      console.error("bench/mailPeerProcess.ts:", error)
      process.exit(1)
    }
  )
const answer = (request: Effect.Effect<unknown, unknown, Scope.Scope>) =>
  reply(Effect.runPromise(Scope.provide(request, stationsScope)))

const lines = createInterface({ input: process.stdin })
lines.on("line", (line) => {
  const orders = /^orders (\S+) (\d+)$/.exec(line)
  if (orders !== null) return void answer(publishOrders(orders[1]!, Number(orders[2])))
  const handovers = /^handovers (\S+) (\d+) ([\d.]+)(?: (\d+))?$/.exec(line)
  if (handovers !== null) {
    const [, tag, count, rate, from] = handovers
    return void answer(publishHandovers(tag!, Number(count), Number(rate), Number(from ?? 0)))
  }
  const rawTrip = /^rawtrip (\S+) (\d+) ([\d.]+) (\d+)$/.exec(line)
  if (rawTrip !== null) {
    const [, tag, count, rate, from] = rawTrip
    return void reply(publishRawTrip(tag!, Number(count), Number(rate), Number(from)))
  }
  const id = /^raw (\S+)$/.exec(line)?.[1]
  if (id === undefined) throw new Error(`bench/mailPeerProcess.ts: unknown request ${JSON.stringify(line)}`)
  void reply(
    smtp.parse(id).then(({ raw, subject, text, html, headers }) => ({ rawOf: id, raw, subject, text, html, headers }))
  )
})
lines.on("close", () => {
  clearInterval(timer)
  report()
  void Effect.runPromise(Scope.close(stationsScope, Exit.void))
    .then(() => Promise.all([...rawClients.values()].map(({ client }) => client.endAsync())))
    .then(() => Promise.all([broker.close(), smtp.stop()]))
    .then(() => process.exit(0))
})
