// Hub latency: parcel.handed-to-carrier published on MQTT → the "on its way" mail accepted by a real SMTP
// server (the test rig's smtp-server notes the time the whole message arrived, before its 250). Parcels are
// published at a steady rate without waiting for their mail, so each figure is the whole path under that load:
// broker → consumer transaction → outbox → sender → the hub's SMTP pool → SMTP. Each rate (default 100 and 1,000
// parcels/s) runs on a fresh hub, as `packbench hub` runs it (SQLite's log synced on the thread pool), and the split
// says where the time went, hop by hop: published → applied by the hub (the notification row recorded in the
// consumer's transaction) → taken by the sender → handed to the mailer → accepted by the server → recorded as sent.
// The raw baselines in the same run: nodemailer alone, with its own pool set up as the hub's mailer (`smtpTransport`:
// pool size, connection reuse, timeouts) and every connection of it open before a mail is timed (as the order
// confirmations open the hub's), sends the same mails to the same server at the same rate, timed from `sendMail` to
// the server's acceptance: once composing each from its parts (from, subject, text, HTML, the hub's extra headers),
// and once sending the raw text composed beforehand (the floor of sending at all); the ratio to each is printed. The
// three are taken in turn, in rounds (`--rounds`, default 5), so that they see the machine alike; the figures are
// over all rounds, and each round's ratio of medians is printed too. Prints figures; asserts nothing.
// The SMTP server, the broker and the station publishing the parcels run in a process of their own
// (bench/mailPeerProcess.ts), as the hub's relay, broker and stations do in the field: in the hub's process, the
// server's parsing of each mail took the CPU the hub needed, and the hub's CPU a mail counted the station's work.
// Every moment is the wall clock to the microsecond (both processes), so a median of 2 ms is not read in whole ms,
// but for the hub's own records of when a notification was recorded and taken: the hub's clock gives whole ms, so
// the three hops around those two moments are exact only in sum (the split says so).
// The process's garbage collections are watched too (`collectionsDuring`): how many met each path's mails, and how
// many of its slowest 1 % met one, which tells whether a p99 is the collector's.
//   npx tsx bench/hub-latency.ts [--rates 100,1000] [--parcels N] [--rounds K] [--hub-only] [--idle-seconds S]
// --parcels: parcels per rate (default: 1,000, or 3 seconds' worth where that is more), in K rounds. --hub-only: no
// raw baseline, for a CPU profile of the hub's process alone:
//   node --cpu-prof --cpu-prof-dir DIR --import tsx bench/hub-latency.ts --rates 1000 --hub-only
// --idle-seconds (default 10): how long each hub is left with nothing to do, once its timed mails are sent,
// while its process's CPU is noted (what it costs a second of nothing), and as long again with the bench's loop watch
// running, whose cost a second is then taken off the hub's CPU a mail (0 skips both).
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { constants, PerformanceObserver } from "node:perf_hooks"
import { Duration, Effect, Layer, References } from "effect"
import mqtt from "mqtt"
import nodemailer from "nodemailer"
import { Sql } from "../core/store/Sql.ts"
import { Broker } from "../core/sync/Broker.ts"
import { layerMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { SystemClockLayer } from "../drivers/time/SystemClock.ts"
import { hubRigOptions } from "../fixtures/hub/HubRig.ts"
import { preciseNowMs } from "../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../fixtures/mqtt/SyncRig.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { Mailer } from "../hub/core/notify/Mailer.ts"
import { layerHttpWebhookSender } from "../hub/drivers/mail/HttpWebhookSender.ts"
import { layerSmtpMailer, SMTP_POOL_CONNECTIONS } from "../hub/drivers/mail/SmtpMailer.ts"
import { CryptoTrackingTokensLayer } from "../hub/drivers/server/CryptoTrackingTokens.ts"
import { hubLayer, runHub } from "../hub/drivers/server/Hub.ts"
import { startLineChild } from "./lineChild.ts"

/** The SMTP timeouts (connect, greeting, idle socket) of both the hub's mailer and the raw baseline. */
const SMTP_TIMEOUT_MS = 10_000

/**
 * nodemailer's own SMTP pool, set up as the hub's mailer sets up its pool: `maxConnections` connections, each kept
 * open for every message (`maxMessages: Infinity`: no reconnect, greeting and EHLO after every 100 mails,
 * nodemailer's default), and one timeout for connecting, the server's greeting and an idle socket. The URL goes in the
 * options object: `createTransport(url, options)` takes the second argument as message defaults, not transport
 * options, so a pool and timeouts given there are silently ignored and every mail opens a connection of its own.
 */
const smtpTransport = (options: {
  readonly url: string
  readonly maxConnections: number
  readonly timeoutMs: number
}) =>
  nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs
  } as never)

/** A mail as the server took it: its raw text and its parts (headers by lower-case name). */
interface SentMail {
  readonly raw: string
  readonly subject: string
  readonly text: string | undefined
  readonly html: string | undefined
  readonly headers: Readonly<Record<string, string>>
}

/** A mail the server accepted, as bench/mailPeerProcess.ts reports it. */
interface AcceptedMail {
  readonly id: string
  readonly to: string | undefined
  readonly acceptedAtMs: number
}

/** The handovers a station of the peer process published: when each address's parcel went, and at what rate. */
interface Handovers {
  readonly publishedAtMs: Readonly<Record<string, number>>
  readonly publishedRate: number
}

/**
 * The SMTP server, the MQTT broker and the station publishing to it, in a process of their own
 * (bench/mailPeerProcess.ts), as the hub's relay, broker and stations are in the field. Resolves once server and
 * broker listen, with their addresses, the mails accepted so far (streamed in as the server takes them), a mail's raw
 * text on request, the station's requests, and how to stop it.
 */
const startMailPeer = async () => {
  const mails: Array<AcceptedMail> = []
  const rawWaiters = new Map<string, (mail: SentMail) => void>()
  const stationWaiters = new Map<string, (answer: unknown) => void>()
  const request = <A>(key: string, line: string) =>
    new Promise<A>((resolve) => {
      stationWaiters.set(key, resolve as (answer: unknown) => void)
      child.send(line)
    })
  const child = await startLineChild(
    "bench/mailPeerProcess.ts",
    [],
    (line) => {
      const urls = /^ready (\S+) (\S+)$/.exec(line)
      return urls === null ? undefined : { smtp: urls[1]!, mqtt: urls[2]! }
    },
    (line) => {
      const message = JSON.parse(line) as
        | AcceptedMail
        | ({ rawOf: string } & SentMail)
        | { ordersOf: string }
        | ({ handoversOf: string } & Handovers)
        | { rawTripOf: string; publishedAtMs: Readonly<Record<string, number>> }
      if ("rawOf" in message) rawWaiters.get(message.rawOf)?.(message)
      else if ("rawTripOf" in message) stationWaiters.get(`rawtrip ${message.rawTripOf}`)?.(message)
      else if ("ordersOf" in message) stationWaiters.get(`orders ${message.ordersOf}`)?.(message)
      else if ("handoversOf" in message) stationWaiters.get(`handovers ${message.handoversOf}`)?.(message)
      else mails.push(message)
    }
  )
  const urls = child.ready
  return {
    url: urls.smtp,
    brokerUrl: urls.mqtt,
    count: (): number => mails.length,
    messages: (): ReadonlyArray<AcceptedMail> => mails,
    /** A mail's raw text and its parts, as the server took them. */
    mail: (id: string) =>
      new Promise<SentMail>((resolve) => {
        rawWaiters.set(id, resolve)
        child.send(`raw ${id}`)
      }),
    /** The station PACK-<tag> publishes `order.received` for `count` orders at once; resolves once all are acked. */
    orders: (tag: string, count: number) => request<unknown>(`orders ${tag}`, `orders ${tag} ${count}`),
    /** The same station hands the parcels of orders `from` … over, `rate` a second; resolves once all are acked. */
    handovers: (tag: string, count: number, rate: number, from: number) =>
      request<Handovers>(`handovers ${tag}`, `handovers ${tag} ${count} ${rate} ${from}`),
    /**
     * The raw trip's station RAW-<tag> publishes the same handovers with mqtt.js alone, to `bench/rawtrip/<tag>`, for
     * orders R<tag>-`from` …, `rate` a second; resolves once all are acked, with when each address's went.
     */
    rawTrip: (tag: string, count: number, rate: number, from: number) =>
      request<{ readonly publishedAtMs: Readonly<Record<string, number>> }>(
        `rawtrip ${tag}`,
        `rawtrip ${tag} ${count} ${rate} ${from}`
      ),
    stop: child.stop
  }
}

type Smtp = Awaited<ReturnType<typeof startMailPeer>>

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const positive = (name: string, text: string) => {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || value > 1_000_000) {
    console.error(`${name} must be a number from 1 to 1,000,000, not ${text}`)
    process.exit(2)
  }
  return value
}
const rates = (flag("--rates") ?? flag("--rate") ?? "100,1000").split(",").map((rate) => positive("--rates", rate))
const parcelsFlag = flag("--parcels")
const roundsFlag = flag("--rounds")
/** Only the hub's path, no raw baseline: for a CPU profile of the hub's work alone (`node --cpu-prof`). */
const hubOnly = args.includes("--hub-only")
const rounds = roundsFlag === undefined ? 5 : Math.round(positive("--rounds", roundsFlag))
/** How long each fresh hub is left idle, its confirmations out of the way and nothing due, while its CPU is noted. */
const idleSeconds = Number(flag("--idle-seconds") ?? "10")
if (!Number.isFinite(idleSeconds) || idleSeconds < 0 || idleSeconds > 3_600) {
  console.error(`--idle-seconds must be a number from 0 to 3,600, not ${flag("--idle-seconds")}`)
  process.exit(2)
}
const parcelsAt = (rate: number) =>
  parcelsFlag === undefined ? Math.max(1_000, Math.round(rate * 3)) : Math.round(positive("--parcels", parcelsFlag))

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
const figures = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    p50Ms: Number(percentile(sorted, 50).toFixed(2)),
    p99Ms: Number(percentile(sorted, 99).toFixed(1)),
    maxMs: Number((sorted.at(-1) ?? Number.NaN).toFixed(1))
  }
}
/** A mail's way, from its start (the handover's publish, or the raw `sendMail`) to the server's acceptance, wall ms. */
interface Span {
  readonly startMs: number
  readonly endMs: number
}

/**
 * This process's garbage collections while the bench runs (the hub's and the raw baselines' process), wall ms: a
 * collection stops the process's one thread, and whatever mail is on its way there waits for it.
 */
const pauses: Array<Span & { readonly major: boolean }> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const startMs = performance.timeOrigin + entry.startTime
    const kind = ((entry as { readonly detail?: unknown }).detail as { readonly kind?: number } | undefined)?.kind
    pauses.push({ startMs, endMs: startMs + entry.duration, major: kind === constants.NODE_PERFORMANCE_GC_MAJOR })
  }
}).observe({ entryTypes: ["gc"] })

/**
 * How much of a path's time the process's collections took: the collections during its mails' ways (how many for 100
 * mails, the longest, their time a mail), the share of its mails that met one on the way, and that share among its
 * slowest 1 % (its p99 and beyond): where that share is high, the tail is the collector's.
 */
const collectionsDuring = (spans: ReadonlyArray<Span>) => {
  const met = (span: Span) => pauses.filter((pause) => pause.startMs < span.endMs && pause.endMs > span.startMs)
  const during = new Set(spans.flatMap(met))
  const slowest = [...spans]
    .sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))
    .slice(0, Math.max(1, Math.ceil(spans.length / 100)))
  const share = (of: ReadonlyArray<Span>) =>
    Number(((100 * of.filter((span) => met(span).length > 0).length) / Math.max(1, of.length)).toFixed(1))
  const durations = [...during].map((pause) => pause.endMs - pause.startMs)
  return {
    per100Mails: Number(((100 * during.size) / Math.max(1, spans.length)).toFixed(1)),
    major: [...during].filter((pause) => pause.major).length,
    longestMs: Number(Math.max(0, ...durations).toFixed(1)),
    msPerMail: Number((durations.reduce((sum, ms) => sum + ms, 0) / Math.max(1, spans.length)).toFixed(3)),
    mailsMeetingOnePct: share(spans),
    slowestPercentMeetingOnePct: share(slowest)
  }
}

/**
 * The event loop's delay, kept for each path over its rounds only: a timer every 10 ms notes how late it ran, which
 * is how long anything that became ready on this process's one thread (a packet, a reply, a timer) waited for it
 * while that path's mails were on their way. `monitorEventLoopDelay` does the same in C++ but cannot be paused and
 * resumed: its first sample after `enable` spans the whole time it was disabled.
 */
const loopDelayOf: Record<"hub" | RawMode | "idle", Array<number>> = {
  hub: [],
  composed: [],
  prebuilt: [],
  trip: [],
  idle: []
}
/** Starts noting the loop's delay into `path`'s samples; the function returned stops it. */
const watchLoop = (path: keyof typeof loopDelayOf) => {
  const intervalMs = 10
  let last = performance.now()
  let timer: NodeJS.Timeout
  const tick = () => {
    const now = performance.now()
    loopDelayOf[path].push(Math.max(0, now - last - intervalMs))
    last = now
    timer = setTimeout(tick, intervalMs)
  }
  timer = setTimeout(tick, intervalMs)
  return () => clearTimeout(timer)
}
const loopDelayFigures = (samples: ReadonlyArray<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    p50Ms: round2(percentile(sorted, 50)),
    p99Ms: round2(percentile(sorted, 99)),
    maxMs: round2(sorted.at(-1) ?? Number.NaN)
  }
}

const addressIn = (header: string | undefined) => /<([^>]+)>/.exec(header ?? "")?.[1] ?? (header ?? "").trim()

/**
 * What a raw baseline sends: copies of a mail the hub sent, composed from its parts or as its raw text, or composed
 * from its parts on the arrival of the same handover through the same broker (the whole trip done raw).
 */
type RawMode = "composed" | "prebuilt" | "trip"

/**
 * nodemailer alone against the same server, with a pool of as many connections as the hub's mailer has: copies of a
 * mail the hub sent (`template`), each to its own address. `composed`: nodemailer builds each from the mail's parts
 * (from, subject, text, HTML and the hub's extra headers), as the hub's mailer has it do, MIME encoding and all;
 * `prebuilt`: it sends the mail's raw text as it is, the floor of sending at all; `trip`: the whole trip without
 * Packbench, timed as the hub's is, from the station's publish: the peer's mqtt.js client publishes the same
 * handover events at QoS 1 to the same broker, and an mqtt.js subscriber in this process (the hub's), subscribed at
 * QoS 1, parses each and has nodemailer compose and send its mail as `composed` does. Before anything is timed, a
 * burst of mails opens every connection of the pool, as the order confirmations open the hub's before its handovers
 * are timed: opening one (connect, the server's greeting after its reverse lookup of the client, EHLO) took about
 * 100 ms here, and the 16 first mails that paid for it were nodemailer's whole p99 (106 ms, where the hub's was 13 ms).
 */
const rawSender = async (smtp: Smtp, mode: RawMode, template: SentMail, tag: string) => {
  const body = template.raw.replace(/^To:.*$/im, "To: <{{to}}>")
  const extraHeaders = Object.fromEntries(
    ["content-language", "list-unsubscribe", "list-unsubscribe-post"].flatMap((name) =>
      template.headers[name] === undefined ? [] : [[name, template.headers[name]]]
    )
  )
  const messageTo = (to: string) =>
    mode === "prebuilt"
      ? { envelope: { from: "bench@bench.test", to: [to] }, raw: body.replace("{{to}}", to) }
      : {
          from: template.headers.from,
          to,
          envelope: { from: "bench@bench.test", to: [to] },
          subject: template.subject,
          text: template.text,
          html: template.html,
          headers: extraHeaders
        }
  const transport = smtpTransport({ url: smtp.url, maxConnections: SMTP_POOL_CONNECTIONS, timeoutMs: SMTP_TIMEOUT_MS })
  /** Resolves once the server reported as many mails as `count` (it reports every few milliseconds). */
  const reported = async (count: number) => {
    while (smtp.count() < count) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const reportedBefore = smtp.count()
  const warm = Array.from({ length: SMTP_POOL_CONNECTIONS * 4 }, (_, index) =>
    transport.sendMail(messageTo(`warm-${mode}-${tag}-${index}@bench.test`))
  )
  await Promise.all(warm)
  // Reported before the first round starts, so that it does not count them as its own.
  await reported(reportedBefore + warm.length)
  // The trip's subscriber: each handover that arrives is a mail to its order's address, sent at once.
  const sends: Array<Promise<unknown>> = []
  const subscriber =
    mode === "trip"
      ? await mqtt.connectAsync(smtp.brokerUrl, { clientId: `bench-raw-hub-${tag}`, protocolVersion: 4 })
      : undefined
  if (subscriber !== undefined) {
    subscriber.on("message", (_topic, payload) => {
      const event = JSON.parse(payload.toString("utf8")) as { readonly payload: { readonly orderId: string } }
      sends.push(transport.sendMail(messageTo(`${event.payload.orderId}@bench.test`)))
    })
    await subscriber.subscribeAsync(`bench/rawtrip/${tag}`, { qos: 1 })
  }
  let sent = 0
  /** `count` mails sent by this process, one started every 1/`rate` s without waiting for the last. */
  const sendAtRate = async (count: number, rate: number) => {
    const startedAt: Record<string, number> = {}
    const started = Date.now()
    for (let index = 0; index < count; index++) {
      const due = started + (index * 1000) / rate
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
      const to = `${mode}-${tag}-${sent++}@bench.test`
      startedAt[to] = preciseNowMs()
      sends.push(transport.sendMail(messageTo(to)))
    }
    return startedAt
  }
  return {
    /** `count` mails, one started every 1/`rate` s without waiting for the last, each timed to its acceptance. */
    round: async (count: number, rate: number) => {
      const before = new Set(smtp.messages().map((mail) => mail.id))
      const cpuBefore = process.cpuUsage()
      const from = sent
      if (mode === "trip") sent += count
      const startedAt =
        mode === "trip" ? (await smtp.rawTrip(tag, count, rate, from)).publishedAtMs : await sendAtRate(count, rate)
      await reported(before.size + count)
      await Promise.all(sends.splice(0))
      const cpu = process.cpuUsage(cpuBefore)
      const spans = smtp
        .messages()
        .filter((mail) => !before.has(mail.id))
        .map((mail): Span => {
          const to = addressIn(mail.to)
          const start = startedAt[to]
          if (start === undefined) throw new Error(`a mail to ${to} that the raw baseline did not send`)
          return { startMs: start, endMs: mail.acceptedAtMs }
        })
      return { latencies: spans.map((span) => span.endMs - span.startMs), spans, cpuUs: cpu.user + cpu.system }
    },
    close: async () => {
      transport.close()
      await subscriber?.endAsync()
    }
  }
}

/** A run's hops, each mail's time from one moment to the next (see `rateRun`), over all rounds. */
const newHops = () => ({
  total: [] as Array<number>,
  spans: [] as Array<Span>,
  publishedToArrived: [] as Array<number>,
  arrivedToApplied: [] as Array<number>,
  /** For each mail, how long after the handover before it its own was published (NaN for a round's first). */
  sincePreviousPublished: [] as Array<number>,
  appliedToTaken: [] as Array<number>,
  takenToMailer: [] as Array<number>,
  mailerToAccepted: [] as Array<number>,
  acceptedToRecordedSent: [] as Array<number>
})

/** Each hop of the hub's path, as the split and the tail print them. */
const hopNames = [
  ["publishedToArrived", "published → at the hub's handler"],
  ["arrivedToApplied", "→ notification recorded"],
  ["appliedToTaken", "→ taken by the sender"],
  ["takenToMailer", "→ handed to the mailer"],
  ["mailerToAccepted", "→ accepted by SMTP"]
] as const

const median = (values: ReadonlyArray<number>) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50
  )
const round2 = (value: number) => Number(value.toFixed(2))

/**
 * What the slowest 1 % of the hub's mails waited for: each hop's median over all mails and over the slowest, the
 * share of each that came close behind the handover before it (within the consumer's 3 ms or the sender's 5 ms
 * window, which only such a one can wait in) or met a garbage collection, and each of the slowest mails hop by hop.
 */
const tailOf = (hops: ReturnType<typeof newHops>) => {
  const order = hops.total.map((_, index) => index).sort((a, b) => hops.total[b]! - hops.total[a]!)
  const slowest = order.slice(0, Math.max(1, Math.ceil(order.length / 100)))
  const gcMs = (index: number) => {
    const span = hops.spans[index]!
    return pauses
      .filter((pause) => pause.startMs < span.endMs && pause.endMs > span.startMs)
      .reduce((sum, pause) => sum + Math.min(pause.endMs, span.endMs) - Math.max(pause.startMs, span.startMs), 0)
  }
  const share = (of: ReadonlyArray<number>, test: (index: number) => boolean) =>
    Number(((100 * of.filter(test).length) / Math.max(1, of.length)).toFixed(1))
  const closeBehind = (withinMs: number) => (index: number) => hops.sincePreviousPublished[index]! < withinMs
  const all = order
  return {
    hopsP50Ms: Object.fromEntries(
      hopNames.map(([key]) => [
        key,
        { all: round2(median(hops[key])), slowest: round2(median(slowest.map((index) => hops[key][index]!))) }
      ])
    ) as Record<(typeof hopNames)[number][0], { readonly all: number; readonly slowest: number }>,
    closeBehind3MsPct: { all: share(all, closeBehind(3)), slowest: share(slowest, closeBehind(3)) },
    closeBehind5MsPct: { all: share(all, closeBehind(5)), slowest: share(slowest, closeBehind(5)) },
    meetingCollectionPct: {
      all: share(all, (index) => gcMs(index) > 0),
      slowest: share(slowest, (index) => gcMs(index) > 0)
    },
    slowest: slowest.map((index) => ({
      totalMs: round2(hops.total[index]!),
      ...Object.fromEntries(hopNames.map(([key]) => [key, round2(hops[key][index]!)])),
      sincePreviousPublishedMs: round2(hops.sincePreviousPublished[index]!),
      collectionMs: round2(gcMs(index))
    }))
  }
}

/** One round's medians: the hub's and each raw baseline's. */
interface RoundMedians {
  readonly packbenchP50Ms: number
  readonly composedP50Ms: number
  readonly prebuiltP50Ms: number
  readonly tripP50Ms: number
}

/**
 * One rate on a fresh hub: the order confirmations first (not measured), then `rounds` rounds, each the hub's
 * handovers of `parcels / rounds` parcels at `rate` and then both raw baselines sending as many mails at the same
 * rate, one after the other: taken in turn, the three see the machine in the same state, where measured one after
 * the other over half a minute each, a change of the machine's load between them moved the ratio by a third.
 */
const rateRun = (smtp: Smtp, rate: number, parcels: number, rounds: number, tag: string) => {
  const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-bench-"))
  for (const samples of Object.values(loopDelayOf)) samples.splice(0)
  const defaults = HubSettings.defaults("https://track.bench")
  // Order confirmations on (off by default): the bench waits for them to be out of the way before it measures.
  const settings = {
    ...defaults,
    notify: { ...defaults.notify, orderConfirmations: true, quietHours: { startHour: 0, endHour: 0 } }
  }
  const options = hubRigOptions({
    dataDir,
    // As `packbench hub` runs it: a process of its own, its SQLite commits synced off the event loop.
    database: { dialect: "sqlite", filename: join(dataDir, "hub.db"), syncOffLoop: true },
    brokerUrl: smtp.brokerUrl,
    smtpUrl: smtp.url,
    settings,
    webhookSecret: "bench-secret-0123456789",
    // The sender's poll is its fallback for mail due later; new mail wakes it. An hour shows it is not waited for.
    senderPollMs: 3_600_000,
    tickIntervalMs: 60_000,
    ackDelayMs: 20
  })
  // When the hub handed each mail to its mailer, by recipient.
  const handedAt = new Map<string, number>()
  const timedMailer = Layer.effect(
    Mailer,
    Effect.gen(function* () {
      const inner = yield* Mailer
      return Mailer.of({
        ...(inner.concurrency === undefined ? {} : { concurrency: inner.concurrency }),
        send: (mail) =>
          Effect.suspend(() => {
            handedAt.set(mail.to, preciseNowMs())
            return inner.send(mail)
          })
      })
    })
  ).pipe(Layer.provide(layerSmtpMailer({ url: smtp.url, timeoutMs: SMTP_TIMEOUT_MS })))
  // When each of the station's events reached the hub's handler (mqtt.js has read and parsed the packet), in the
  // order they came: the station publishes them one after the other on one connection, so the nth is the nth handover.
  const arrivals: Array<number> = []
  const stationTopic = `/PACK-${tag}/events/`
  const timedBroker = Layer.effect(
    Broker,
    Effect.gen(function* () {
      const inner = yield* Broker
      return Broker.of({
        ...inner,
        subscribe: (filter, handler) =>
          inner.subscribe(filter, (message) =>
            Effect.suspend(() => {
              if (message.topic.includes(stationTopic)) arrivals.push(preciseNowMs())
              return handler(message)
            })
          )
      })
    })
  ).pipe(Layer.provide(layerMqttBroker({ url: smtp.brokerUrl, clientId: `packbench-hub-${tag}`, protocolVersion: 4 })))
  const layer = hubLayer(options).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        timedBroker,
        timedMailer,
        layerHttpWebhookSender({ secret: "bench-secret-0123456789" }).pipe(Layer.provide(SystemClockLayer)),
        CryptoTrackingTokensLayer,
        SystemClockLayer
      )
    )
  )
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* runHub(options)
        const sql = yield* Sql
        const before = smtp.count()
        yield* Effect.promise(() => smtp.orders(tag, parcels))
        // The order confirmations are not measured: wait until they are all out of the way.
        yield* waitFor(
          Effect.sync(() => smtp.count()),
          (n) => n >= before + parcels,
          600_000
        )
        const confirmations = new Set(smtp.messages().map((mail) => mail.id))
        // The last confirmation's "sent" is recorded just after the server's 250: wait for it.
        yield* waitFor(
          sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent'"),
          (result) => Number(result[0]?.n) >= parcels,
          30_000
        )
        /** The process's CPU a second while the hub is left alone for `idleSeconds`, the loop watched or not. */
        const idleCpuUsPerSec = (watched: boolean) =>
          Effect.gen(function* () {
            if (idleSeconds === 0) return Number.NaN
            const stopWatching = watched ? watchLoop("idle") : () => {}
            const before = process.cpuUsage()
            const started = performance.now()
            yield* Effect.sleep(Duration.seconds(idleSeconds))
            const cpu = process.cpuUsage(before)
            const elapsedMs = performance.now() - started
            stopWatching()
            return Math.round(((cpu.user + cpu.system) * 1000) / elapsedMs)
          })
        const hops = newHops()
        const raw = { composed: [] as Array<number>, prebuilt: [] as Array<number>, trip: [] as Array<number> }
        const rawSpans = { composed: [] as Array<Span>, prebuilt: [] as Array<Span>, trip: [] as Array<Span> }
        const cpuUs = { hub: 0, composed: 0, prebuilt: 0, trip: 0 }
        const medians: Array<RoundMedians> = []
        let senders: Record<RawMode, Awaited<ReturnType<typeof rawSender>>> | undefined
        let publishedMs = 0
        /** How long the hub's CPU windows lasted, wall ms. */
        let hubWindowMs = 0
        let handed = 0
        try {
          for (let round = 0; round < rounds; round++) {
            const count = Math.floor((parcels * (round + 1)) / rounds) - handed
            const cpuBefore = process.cpuUsage()
            const windowStarted = performance.now()
            const stopWatchingLoop = watchLoop("hub")
            arrivals.splice(0)
            const started = Date.now()
            const { publishedAtMs } = yield* Effect.promise(() => smtp.handovers(tag, count, rate, handed))
            publishedMs += Date.now() - started
            handed += count
            yield* waitFor(
              Effect.sync(() => smtp.count()),
              (n) => n >= before + parcels + handed,
              600_000
            )
            // The last mail's "sent" is recorded just after the server's 250: wait for it.
            yield* waitFor(
              sql.query<{ n: number }>(
                "SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent' AND sent_at_ms IS NOT NULL"
              ),
              (result) => Number(result[0]?.n) >= parcels + handed,
              30_000
            )
            const cpu = process.cpuUsage(cpuBefore)
            hubWindowMs += performance.now() - windowStarted
            stopWatchingLoop()
            cpuUs.hub += cpu.user + cpu.system
            // The hub's own record of each mail: when the notification was recorded, taken and recorded as sent.
            const recorded = new Map(
              (yield* sql.query<{
                email: string
                created_at_ms: number
                attempt_started_ms: number
                sent_at_ms: number
              }>(
                `SELECT c.email, n.created_at_ms, b.attempt_started_ms, b.sent_at_ms
                 FROM hub_outbox b
                 JOIN hub_notifications n ON n.notification_id = b.notification_id
                 JOIN hub_orders o ON o.order_id = n.order_id
                 JOIN hub_customers c ON c.customer_id = o.customer_id
                 WHERE n.kind = 'shipped' AND b.channel = 'email'`
              )).map((row) => [row.email, row])
            )
            if (recorded.size !== handed)
              throw new Error(`the hub recorded ${recorded.size} mails for ${handed} parcels`)
            // The nth handover published is the nth that reached the hub (one station, one connection, in order).
            const arrivedAt = new Map(
              Object.entries(publishedAtMs)
                .sort(([, a], [, b]) => a - b)
                .map(([to, published], index) => [to, { published, arrived: arrivals[index] ?? Number.NaN }])
            )
            if (arrivals.length !== count) {
              console.error(`round ${round + 1}: ${arrivals.length} handovers reached the hub for ${count} published`)
            }
            /** When the handover before this one was published: one close behind may wait in a batching window. */
            const previousPublished = new Map(
              [...arrivedAt.entries()].map(([to, { published }], index, all) => [
                to,
                index === 0 ? Number.NaN : published - all[index - 1]![1].published
              ])
            )
            const totals: Array<number> = []
            for (const mail of smtp.messages()) {
              if (confirmations.has(mail.id)) continue
              const to = addressIn(mail.to)
              const published = publishedAtMs[to]
              // A mail of an earlier round, or of a raw baseline.
              if (published === undefined) continue
              const row = recorded.get(to)
              const handedToMailer = handedAt.get(to)
              if (row === undefined || handedToMailer === undefined) {
                throw new Error(`a mail to ${to} that the hub did not record`)
              }
              totals.push(mail.acceptedAtMs - published)
              hops.total.push(mail.acceptedAtMs - published)
              hops.spans.push({ startMs: published, endMs: mail.acceptedAtMs })
              const arrived = arrivedAt.get(to)?.arrived ?? Number.NaN
              hops.publishedToArrived.push(arrived - published)
              hops.arrivedToApplied.push(Number(row.created_at_ms) - arrived)
              hops.sincePreviousPublished.push(previousPublished.get(to) ?? Number.NaN)
              hops.appliedToTaken.push(Number(row.attempt_started_ms) - Number(row.created_at_ms))
              hops.takenToMailer.push(handedToMailer - Number(row.attempt_started_ms))
              hops.mailerToAccepted.push(mail.acceptedAtMs - handedToMailer)
              hops.acceptedToRecordedSent.push(Number(row.sent_at_ms) - mail.acceptedAtMs)
            }
            if (totals.length !== count) throw new Error(`round ${round + 1}: ${totals.length} mails for ${count}`)
            // Both raw baselines copy the hub's last mail of the first round (taken before either sends a mail, so
            // that the prebuilt one sends the hub's raw text, not nodemailer's).
            if (hubOnly) continue
            if (senders === undefined) {
              senders = yield* Effect.promise(async () => {
                const last = smtp.messages().at(-1)
                if (last === undefined) throw new Error("the hub sent no mail to copy")
                const template = await smtp.mail(last.id)
                const composed = await rawSender(smtp, "composed", template, tag)
                const prebuilt = await rawSender(smtp, "prebuilt", template, tag)
                return { composed, prebuilt, trip: await rawSender(smtp, "trip", template, tag) }
              })
            }
            const roundP50 = { composed: Number.NaN, prebuilt: Number.NaN, trip: Number.NaN }
            for (const mode of ["composed", "prebuilt", "trip"] as const) {
              const sender = senders[mode]
              const stopWatchingRaw = watchLoop(mode)
              const run = yield* Effect.promise(() => sender.round(count, rate))
              stopWatchingRaw()
              raw[mode].push(...run.latencies)
              rawSpans[mode].push(...run.spans)
              cpuUs[mode] += run.cpuUs
              roundP50[mode] = figures(run.latencies).p50Ms
            }
            medians.push({
              packbenchP50Ms: figures(totals).p50Ms,
              composedP50Ms: roundP50.composed,
              prebuiltP50Ms: roundP50.prebuilt,
              tripP50Ms: roundP50.trip
            })
          }
        } finally {
          const opened = senders === undefined ? [] : Object.values(senders)
          yield* Effect.promise(() => Promise.all(opened.map((sender) => sender.close())))
        }
        // Left alone only after its mails are timed: the idle spell (twice `idleSeconds`) outlasts the SMTP pool's
        // idle-socket timeout (SMTP_TIMEOUT_MS), so taken before the rounds it closed the hub's connections and the
        // first mails of the first round paid for opening them anew (p99 at 100/s 16 → 110 ms), where the raw
        // baselines' connections are all open before their first timed mail.
        const idleUsPerSec = yield* idleCpuUsPerSec(false)
        // The bench's own loop watch (a timer every 10 ms) runs in the hub's CPU window: its cost a second, measured
        // the same way, is taken off the hub's CPU a mail in `hubWithoutWatch`.
        const watchUsPerSec = Math.max(0, (yield* idleCpuUsPerSec(true)) - idleUsPerSec)
        return {
          hops,
          raw,
          collections: {
            hub: collectionsDuring(hops.spans),
            composed: collectionsDuring(rawSpans.composed),
            prebuilt: collectionsDuring(rawSpans.prebuilt),
            trip: collectionsDuring(rawSpans.trip)
          },
          medians,
          idleCpuUsPerSec: idleUsPerSec,
          watchCpuUsPerSec: watchUsPerSec,
          publishedRate: (parcels * 1000) / publishedMs,
          cpuPerMailUs: {
            hub: Math.round(cpuUs.hub / parcels),
            hubWithoutWatch: Number.isNaN(watchUsPerSec)
              ? Number.NaN
              : Math.round((cpuUs.hub - (watchUsPerSec * hubWindowMs) / 1000) / parcels),
            composed: Math.round(cpuUs.composed / parcels),
            prebuilt: Math.round(cpuUs.prebuilt / parcels),
            trip: Math.round(cpuUs.trip / parcels)
          }
        }
      })
    ).pipe(Effect.provide(layer.pipe(Layer.orDie)), Effect.provideService(References.MinimumLogLevel, "Warn"))
  )
}

const main = async () => {
  const smtp = await startMailPeer()
  const results = []
  try {
    for (const [index, rate] of rates.entries()) {
      const parcels = parcelsAt(rate)
      const run = await rateRun(smtp, rate, parcels, rounds, String(index + 1))
      const packbench = figures(run.hops.total)
      const split = {
        resolution:
          "applied and taken are the hub's records, in whole ms: the three hops from published to handed to the mailer are exact only in sum",
        "published → at the hub's handler (mqtt.js has read the packet)": figures(run.hops.publishedToArrived),
        "at the handler → applied (notification recorded)": figures(run.hops.arrivedToApplied),
        "applied → taken by the sender": figures(run.hops.appliedToTaken),
        "taken → handed to the mailer": figures(run.hops.takenToMailer),
        "mailer → accepted by SMTP": figures(run.hops.mailerToAccepted),
        "accepted → recorded as sent": figures(run.hops.acceptedToRecordedSent)
      }
      const composed = { ...figures(run.raw.composed), cpuPerMailUs: run.cpuPerMailUs.composed }
      const prebuilt = { ...figures(run.raw.prebuilt), cpuPerMailUs: run.cpuPerMailUs.prebuilt }
      const trip = { ...figures(run.raw.trip), cpuPerMailUs: run.cpuPerMailUs.trip }
      const transportSettings = `the hub mailer's settings: pool of ${SMTP_POOL_CONNECTIONS}, every connection open before the first timed mail and reused for every mail, ${SMTP_TIMEOUT_MS} ms timeouts`
      const ratioTo = (raw: ReturnType<typeof figures>) => ({
        p50: Number((packbench.p50Ms / raw.p50Ms).toFixed(2)),
        p99: Number((packbench.p99Ms / raw.p99Ms).toFixed(2))
      })
      const roundRatios = run.medians.map((round) => Number((round.packbenchP50Ms / round.composedP50Ms).toFixed(2)))
      const roundTripRatios = run.medians.map((round) => Number((round.packbenchP50Ms / round.tripP50Ms).toFixed(2)))
      const result = {
        parcels,
        rounds,
        targetRatePerSec: rate,
        publishedRatePerSec: Number(run.publishedRate.toFixed(1)),
        path: "handed-to-carrier published → mail accepted by SMTP (smtp-server on loopback)",
        packbench,
        split,
        hubCpuPerMailUs: run.cpuPerMailUs.hub,
        hubCpuPerMailWithoutLoopWatchUs: run.cpuPerMailUs.hubWithoutWatch,
        hubIdleCpuUsPerSec: run.idleCpuUsPerSec,
        loopWatchCpuUsPerSec: run.watchCpuUsPerSec,
        rawNodemailer: {
          path: `nodemailer sendMail (${transportSettings}) composing the same mails from their parts at the same rate → accepted`,
          ...composed
        },
        rawNodemailerPrebuilt: {
          path: `nodemailer sendMail (${transportSettings}) of the same mails' raw text, composed beforehand, at the same rate → accepted`,
          ...prebuilt
        },
        rawTrip: {
          path: `the same handovers published by mqtt.js (QoS 1) to the same broker → an mqtt.js subscriber (QoS 1) in the hub's process → nodemailer sendMail (${transportSettings}) composing each from its parts → accepted`,
          ...trip
        },
        ratio: ratioTo(composed),
        ratioToPrebuilt: ratioTo(prebuilt),
        ratioToTrip: ratioTo(trip),
        collections: run.collections,
        eventLoopDelay: Object.fromEntries(
          Object.entries(loopDelayOf).map(([path, samples]) => [path, loopDelayFigures(samples)])
        ) as Record<keyof typeof loopDelayOf, ReturnType<typeof loopDelayFigures>>,
        tail: tailOf(run.hops),
        roundMedians: run.medians,
        roundRatiosP50: roundRatios,
        roundTripRatiosP50: roundTripRatios
      }
      console.log(JSON.stringify(result, null, 2))
      results.push(result)
    }
    console.log(
      "\nrate/s  parcels  packbench p50/p99 ms   raw baseline                               p50/p99 ms   ratio p50/p99   CPU µs a mail: hub / raw   p50 ratio of each round"
    )
    const pair = (p50: number, p99: number, width: number) => `${p50} / ${p99}`.padStart(width)
    for (const result of results) {
      const baselines = [
        ["nodemailer composing", result.rawNodemailer, result.ratio, result.roundRatiosP50],
        ["nodemailer prebuilt", result.rawNodemailerPrebuilt, result.ratioToPrebuilt, []],
        ["raw trip: mqtt.js → nodemailer composing", result.rawTrip, result.ratioToTrip, result.roundTripRatiosP50]
      ] as const
      for (const [name, raw, ratio, rounds] of baselines) {
        console.log(
          `${String(result.targetRatePerSec).padStart(6)}  ${String(result.parcels).padStart(7)}  ${pair(result.packbench.p50Ms, result.packbench.p99Ms, 20)}   ${name.padEnd(40)} ${pair(raw.p50Ms, raw.p99Ms, 13)}   ${pair(ratio.p50, ratio.p99, 13)}   ${`${result.hubCpuPerMailUs} / ${raw.cpuPerMailUs}`.padStart(24)}   ${rounds.join(" ")}`
        )
      }
    }
    console.log(
      `\nthe hub's process left alone for ${idleSeconds} s after its timed mails (no parcel, nothing due), CPU µs a second; the bench's own loop watch (a 10 ms timer, in the hub's CPU window too) measured the same way; the hub's CPU a mail without it\nrate/s  idle µs/s  loop watch µs/s  hub CPU µs a mail: as measured / without the watch`
    )
    for (const result of results) {
      console.log(
        `${String(result.targetRatePerSec).padStart(6)}  ${String(result.hubIdleCpuUsPerSec).padStart(9)}  ${String(result.loopWatchCpuUsPerSec).padStart(15)}  ${result.hubCpuPerMailUs} / ${result.hubCpuPerMailWithoutLoopWatchUs}`
      )
    }
    const paths = [
      ["packbench", "hub"],
      ["nodemailer composing", "composed"],
      ["nodemailer prebuilt", "prebuilt"],
      ["raw trip", "trip"]
    ] as const
    console.log(
      "\nfor each path, the garbage collections of the hub's process on the mails' way (the raw baselines run in it too), and the event loop's delay while its mails were on their way (a 10 ms timer's lateness)\nrate/s  path                    per 100 mails  major  longest ms  ms a mail  mails meeting one %  slowest 1 % meeting one %   loop delay p50 / p99 / max ms"
    )
    for (const result of results) {
      for (const [name, path] of paths) {
        const gc = result.collections[path]
        const delay = result.eventLoopDelay[path]
        console.log(
          `${String(result.targetRatePerSec).padStart(6)}  ${name.padEnd(22)} ${String(gc.per100Mails).padStart(14)}  ${String(gc.major).padStart(5)}  ${String(gc.longestMs).padStart(10)}  ${String(gc.msPerMail).padStart(9)}  ${String(gc.mailsMeetingOnePct).padStart(19)}  ${String(gc.slowestPercentMeetingOnePct).padStart(25)}   ${delay.p50Ms} / ${delay.p99Ms} / ${delay.maxMs}`
        )
      }
    }
    for (const result of results) {
      const { tail } = result
      console.log(`\nthe hub's slowest 1 % at ${result.targetRatePerSec}/s: hop medians, all mails / the slowest, ms`)
      for (const [key, name] of hopNames) {
        console.log(`  ${name.padEnd(36)} ${tail.hopsP50Ms[key].all} / ${tail.hopsP50Ms[key].slowest}`)
      }
      console.log(
        `  published within 3 ms of the one before: ${tail.closeBehind3MsPct.all} % / ${tail.closeBehind3MsPct.slowest} %; within 5 ms: ${tail.closeBehind5MsPct.all} % / ${tail.closeBehind5MsPct.slowest} %; meeting a collection: ${tail.meetingCollectionPct.all} % / ${tail.meetingCollectionPct.slowest} %`
      )
      console.log(`  total  ${hopNames.map(([key]) => key).join("  ")}  sincePrevious  collection`)
      for (const mail of tail.slowest) console.log(`  ${Object.values(mail).join("  ")}`)
    }
  } finally {
    await smtp.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
