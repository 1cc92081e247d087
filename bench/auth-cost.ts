// What authentication and authorization cost the sync: events/s from append at a station to the hub's ack, over the
// embedded aedes broker open (anyone, anything) and with logins and the role table (core/sync/BrokerRoles.ts) on every
// CONNECT, PUBLISH, SUBSCRIBE and forwarded message, in rounds taken in turn in the same run. Prints figures; asserts
// nothing.
//   npx tsx bench/auth-cost.ts [--events N] [--rounds R] [--hub-file]
// --hub-file: the consumer applies into a WAL file, as the hub does, instead of :memory: (the broker's share of the
// time, and so the figure's sensitivity to it, is then smaller).
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { type BrokerPrincipal, mayPublish, mayRead, stationUsername } from "../core/sync/BrokerRoles.ts"
import { Consumer } from "../core/sync/Consumer.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../core/sync/HighWaterMark.ts"
import { Outbox } from "../core/sync/Outbox.ts"
import { Topics } from "../core/sync/Topics.ts"
import { BROKER_USERS_FILE, newBrokerPassword, upsertBrokerUser } from "../drivers/mqtt/BrokerLogins.ts"
import { type EmbeddedBrokerAccess, startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { layerMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { appendScans, consumerRigLayer, stationRigLayer, waitFor } from "../fixtures/mqtt/SyncRig.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const positive = (name: string, fallback: number) => {
  const value = Number(flag(name) ?? fallback)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} wants a whole number above 0`)
  return value
}
const events = positive("--events", 10_000)
const rounds = positive("--rounds", 5)
const hubFile = args.includes("--hub-file")

type Mode = "open" | "authenticated"

interface Login {
  readonly username?: string
  readonly password?: string
}

interface Figures {
  /** Events from the first append to the hub's ack of the last, per second of wall time. */
  readonly perSecond: number
  /** CPU time of this process (station, broker and hub alike) per event: less swayed by other load on the machine. */
  readonly cpuUsPerEvent: number
}

/** A fresh broker, station and hub, and what `events` cost them from the first append to the hub's ack of the last. */
const round = async (mode: Mode): Promise<Figures> => {
  const dir = mkdtempSync(join(tmpdir(), `pb-auth-bench-${mode}-`))
  let access: EmbeddedBrokerAccess = { kind: "open" }
  let stationLogin: Login = {}
  let hubLogin: Login = {}
  if (mode === "authenticated") {
    const usersFile = join(dir, BROKER_USERS_FILE)
    const enrol = async (username: string, principal: BrokerPrincipal) => {
      const password = newBrokerPassword()
      await upsertBrokerUser(usersFile, username, principal, password)
      return { username, password }
    }
    stationLogin = await enrol(stationUsername("HAM1", "PACK-01"), {
      role: "station",
      siteId: "HAM1",
      stationId: "PACK-01"
    })
    hubLogin = await enrol("packbench-hub", { role: "hub" })
    access = { kind: "users", usersFile }
  }
  const broker = await startEmbeddedBroker({ port: 0, access })
  try {
    return await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* Layer.build(
          consumerRigLayer({
            filename: hubFile ? join(dir, "hub.db") : ":memory:",
            broker: layerMqttBroker({ url: broker.url, clientId: "bench-hub", protocolVersion: 4, ...hubLogin })
          })
        )
        yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
        const station = yield* Layer.build(
          stationRigLayer({
            filename: join(dir, "station.db"),
            broker: layerMqttBroker({
              url: broker.url,
              clientId: "packbench-HAM1-PACK-01",
              protocolVersion: 4,
              ...stationLogin
            }),
            highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
            outbox: { batchSize: 500, maxInFlight: 100, drainRatePerSec: 1_000_000, maxUnconfirmed: 50_000 }
          })
        )
        const outbox = yield* Effect.provide(
          Effect.gen(function* () {
            return yield* Outbox
          }),
          station
        )
        yield* outbox.start
        // A first confirmed event: both clients connected and subscribed before the clock starts.
        yield* appendScans(1).pipe(Effect.provide(station))
        yield* outbox.kick
        yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq >= 1, 30_000)
        const start = performance.now()
        const cpuBefore = process.cpuUsage()
        yield* appendScans(events, 1_000).pipe(Effect.provide(station))
        yield* outbox.kick
        yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq >= 1 + events, 600_000)
        const cpu = process.cpuUsage(cpuBefore)
        return {
          perSecond: events / ((performance.now() - start) / 1_000),
          cpuUsPerEvent: (cpu.user + cpu.system) / events
        }
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
    )
  } finally {
    await broker.close()
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * The role checks an event meets on its way, timed alone: the station's PUBLISH (may it publish there?) and the
 * forward to the hub (may it read that?). The login is once per connection and the hub's acks one per batch.
 */
const checksAlone = () => {
  const station: BrokerPrincipal = { role: "station", siteId: "HAM1", stationId: "PACK-01" }
  const hub: BrokerPrincipal = { role: "hub" }
  const topic = Topics.event("HAM1", "PACK-01", "test.scanned")
  const times = 1_000_000
  let allowed = 0
  const start = performance.now()
  for (let index = 0; index < times; index++) {
    if (mayPublish(station, topic) && mayRead(hub, topic)) allowed++
  }
  if (allowed !== times) throw new Error("the role checks refused the station's own event")
  return ((performance.now() - start) * 1_000) / times
}

const main = async () => {
  console.log(
    `embedded aedes, MQTT 3.1.1; ${events} events a round, ${rounds} rounds each, in turn; ` +
      `consumer: ${hubFile ? "hub.db file (WAL)" : ":memory:"}`
  )
  // One unmeasured round of each first: code compiled, SQLite and the sockets warm.
  await round("open")
  await round("authenticated")
  const figures: Record<Mode, Array<Figures>> = { open: [], authenticated: [] }
  for (let index = 0; index < rounds; index++) {
    // Alternating which goes first, so a trend in the machine's load falls on both alike.
    const order: ReadonlyArray<Mode> = index % 2 === 0 ? ["open", "authenticated"] : ["authenticated", "open"]
    for (const mode of order) {
      const measured = await round(mode)
      figures[mode].push(measured)
      console.log(
        `round ${index + 1} ${mode.padEnd(13)} ${Math.round(measured.perSecond)} ev/s append->hub ack, ` +
          `${Math.round(measured.cpuUsPerEvent)} µs CPU per event`
      )
    }
  }
  const summary = (mode: Mode) => ({
    perSecond: median(figures[mode].map((figure) => figure.perSecond)),
    cpuUsPerEvent: median(figures[mode].map((figure) => figure.cpuUsPerEvent))
  })
  const open = summary("open")
  const authenticated = summary("authenticated")
  for (const [label, figure] of [
    ["open (no login, no ACL)", open],
    ["authenticated, ACL on", authenticated]
  ] as const) {
    console.log(
      `${label.padEnd(24)} median ${Math.round(figure.perSecond)} ev/s, ${Math.round(figure.cpuUsPerEvent)} µs CPU per event`
    )
  }
  const checks = checksAlone()
  console.log(
    `role checks alone (publish and forward): ${checks.toFixed(2)} µs per event, ` +
      `${((100 * checks) / open.cpuUsPerEvent).toFixed(1)} % of the open CPU per event`
  )
  console.log(
    `ratio: ${((100 * authenticated.perSecond) / open.perSecond).toFixed(1)} % of the open events/s (target: at least ` +
      `95 %); CPU per event ${((100 * authenticated.cpuUsPerEvent) / open.cpuUsPerEvent).toFixed(1)} % of the open figure`
  )
}

await main()
