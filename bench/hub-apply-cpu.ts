// The hub process's own CPU and allocation per station event on its batched apply path, apart from events/s: the
// consumer's `receiveBatch` with the hub projection's `applyStationEvents`, batches of 200 in two lanes (as
// `packbench hub` runs it) into a PostgreSQL server started here (fsync off: the server's flushes are not what is
// measured). Each round applies N orders (three events each: received, packed, handed over) of 8 stations into a new
// database after an unmeasured warm-up; the figures are this process's CPU (`process.cpuUsage`) per event (and its kernel part: the socket writes to the
// server among it), its young
// collections (scavenges) per 100 events, and, with `--allocation`, the bytes it allocated per event (V8's sampling
// heap profiler counting objects the collector took too) with the thirty sites that allocated most. CPU per event moves
// less than events/s on a machine shared with other work, so two commits can be compared with it in turn.
// `--no-database` runs the same path on a SQL port that runs nothing (its JavaScript alone, no driver, no server).
// `--cpu-profile PREFIX` writes each round's CPU profile (the measured applies alone) to PREFIX.<round>.cpuprofile.
// Prints one JSON line per round; asserts nothing.
//   node --enable-source-maps --import tsx bench/hub-apply-cpu.ts [--orders N] [--rounds N] [--allocation | --cpu-profile PREFIX]
//     [--no-database]

import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { findSourceMap, type SourceMapping } from "node:module"
import { Effect, Layer } from "effect"
import type { EventEnvelope } from "../core/events/Event.ts"
import { OrderReceived } from "../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../core/pack/PackEvents.ts"
import { migrate } from "../core/store/Migrations.ts"
import { Sql, type SqlValue } from "../core/store/Sql.ts"
import { Broker, type BrokerMessage } from "../core/sync/Broker.ts"
import { Consumer } from "../core/sync/Consumer.ts"
import { makeMemoryBus } from "../core/sync/MemoryBroker.ts"
import { encodeJson, Topics } from "../core/sync/Topics.ts"
import { SystemClockLayer } from "../drivers/time/SystemClock.ts"
import { packedParcel, sampleOrder, stationStream } from "../fixtures/hub/HubRig.ts"
import { startPostgres } from "../fixtures/postgres/PostgresProcess.ts"
import { HubProjection } from "../hub/core/notify/HubProjection.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { hubMigrations } from "../hub/core/notify/migrations/hubMigrations.ts"
import { CryptoTrackingTokensLayer } from "../hub/drivers/server/CryptoTrackingTokens.ts"
import { layerHubDatabase } from "../hub/drivers/server/HubDatabase.ts"
import { countScavenges } from "./scavengeCounter.ts"

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const index = args.indexOf(name)
  const value = index === -1 ? fallback : Number(args[index + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a whole number above 0`)
  return value
}
const orders = flag("--orders", 4_000)
const rounds = flag("--rounds", 3)
const allocation = args.includes("--allocation")
const withoutDatabase = args.includes("--no-database")
const cpuProfileIndex = args.indexOf("--cpu-profile")
const cpuProfile = cpuProfileIndex === -1 ? undefined : args[cpuProfileIndex + 1]
const stations = 8
const lanes = 2
const batch = 200

const scavenges = countScavenges()

/** Each lane's messages, as the subscription hands them over: stations interleaved, a station always in one lane. */
const laneMessages = (run: string, count: number): ReadonlyArray<ReadonlyArray<BrokerMessage>> => {
  const byStation = Array.from({ length: stations }, (_, station) => {
    const next = stationStream({ siteId: "HAM1", stationId: `PACK-${station + 1}`, epoch: `E-${run}` })
    return Array.from({ length: Math.ceil(count / stations) }, (_, index) => {
      const orderId = `SO-${run}-${station}-${index}`
      const parcelId = `P-${orderId}`
      const trackingNumber = `00340434${String(station).padStart(2, "0")}${String(index).padStart(10, "0")}`
      return [
        next(OrderReceived, {
          order: sampleOrder(orderId, { email: `${orderId.toLowerCase()}@example.test`, locale: "de" }),
          replacedVersion: null
        }),
        next(ParcelPacked, packedParcel({ orderId, parcelId, trackingNumber, stationId: `PACK-${station + 1}` })),
        next(ParcelHandedToCarrier, { batchId: "H-1", parcelId, orderId, carrier: "dhl-paket", trackingNumber })
      ]
    }).flat()
  })
  const lanesOut = Array.from({ length: lanes }, () => [] as Array<BrokerMessage>)
  const longest = Math.max(...byStation.map((events) => events.length))
  for (let index = 0; index < longest; index++) {
    byStation.forEach((events: ReadonlyArray<EventEnvelope>, station) => {
      const event = events[index]
      if (event === undefined) return
      lanesOut[station % lanes]!.push({
        topic: Topics.event(event.siteId, event.stationId, event.type),
        payload: encodeJson(event),
        userProperties: {}
      })
    })
  }
  return lanesOut
}

/** Applies one run's messages into `url`'s hub database; the figures of what `measured` says to measure. */
const applyRun = (url: string, run: string, count: number, measured: boolean) =>
  Effect.gen(function* () {
    const bus = yield* makeMemoryBus()
    const layer = Layer.unwrap(
      Effect.map(HubProjection, (hub) =>
        Consumer.layer({
          siteId: "+",
          knows: hub.knows,
          apply: hub.applyStationEvent,
          applyBatch: hub.applyStationEvents
        })
      )
    ).pipe(
      Layer.provideMerge(HubProjection.layer),
      Layer.provideMerge(
        Layer.mergeAll(
          withoutDatabase ? Layer.succeed(Sql, answeringSql) : layerHubDatabase({ dialect: "postgres", url }),
          Layer.succeed(HubSettings, HubSettings.defaults("https://track.bench")),
          Layer.effect(Broker, bus.client("hub")),
          CryptoTrackingTokensLayer,
          SystemClockLayer
        )
      )
    )
    return yield* Effect.gen(function* () {
      if (!withoutDatabase) yield* migrate(hubMigrations)
      const consumer = yield* Consumer
      const messages = laneMessages(run, count)
      const events = messages.reduce((sum, lane) => sum + lane.length, 0)
      const session = measured && (allocation || cpuProfile !== undefined) ? new Session() : undefined
      if (session !== undefined) {
        session.connect()
        if (allocation) {
          yield* Effect.promise(() =>
            session.post("HeapProfiler.startSampling", {
              samplingInterval: 4096,
              includeObjectsCollectedByMajorGC: true,
              includeObjectsCollectedByMinorGC: true
            })
          )
        } else {
          yield* Effect.promise(() => session.post("Profiler.enable"))
          yield* Effect.promise(() => session.post("Profiler.start"))
        }
      }
      const scavengesBefore = scavenges()
      const cpuBefore = process.cpuUsage()
      let applied = 0
      yield* Effect.forEach(
        messages,
        (lane) =>
          Effect.gen(function* () {
            for (let at = 0; at < lane.length; at += batch) {
              for (const outcome of yield* consumer.receiveBatch(lane.slice(at, at + batch))) {
                if (outcome === "applied") applied++
              }
            }
          }),
        { concurrency: lanes, discard: true }
      )
      const cpu = process.cpuUsage(cpuBefore)
      const scavenged = scavenges() - scavengesBefore
      if (applied !== events) return yield* Effect.die(`expected ${events} applied, got ${applied}`)
      const figures: Record<string, unknown> = {
        events,
        nodeUsPerEvent: Number(((cpu.user + cpu.system) / events).toFixed(1)),
        systemUsPerEvent: Number((cpu.system / events).toFixed(1)),
        scavengesPer100Events: Number(((100 * scavenged) / events).toFixed(2))
      }
      if (session !== undefined && !allocation) {
        const { profile } = yield* Effect.promise(() => session.post("Profiler.stop"))
        session.disconnect()
        // Each function's place in its source (with `--enable-source-maps`), for tools that read no source maps.
        for (const node of profile.nodes) {
          const frame = node.callFrame
          const place = sourcePlace(frame)
          if (place === undefined) continue
          frame.url = place.originalSource
          frame.lineNumber = place.originalLine
          frame.columnNumber = place.originalColumn
        }
        writeFileSync(`${cpuProfile}.${run}.cpuprofile`, JSON.stringify(profile))
      }
      if (session !== undefined && allocation) {
        const { profile } = (yield* Effect.promise(() => session.post("HeapProfiler.stopSampling"))) as {
          readonly profile: { readonly head: AllocationNode }
        }
        session.disconnect()
        const bySite = new Map<string, number>()
        let total = 0
        const walk = (node: AllocationNode) => {
          const size = node.selfSize
          total += size
          if (size > 0) {
            const site = siteOf(node.callFrame)
            bySite.set(site, (bySite.get(site) ?? 0) + size)
          }
          for (const child of node.children) walk(child)
        }
        walk(profile.head)
        figures.bytesPerEvent = Math.round(total / events)
        figures.topSites = [...bySite]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 30)
          .map(([site, bytes]) => `${Math.round(bytes / events)} B ${site}`)
      }
      return figures
    }).pipe(Effect.provide(layer))
  }).pipe(Effect.scoped)

/**
 * `--no-database`: a SQL port that runs nothing, for the JavaScript's own share alone. It keeps the streams' cursors
 * (so each batch's events are the next of their streams), other reads find no rows (no order parked or corrected),
 * and a notification insert returns each id it was given, so the batch path writes what it would into an empty hub.
 */
const answeringSql = (() => {
  const cursors = new Map<string, number>()
  return Sql.of({
    dialect: "postgres",
    query: <Row>(text: string, params: ReadonlyArray<SqlValue> = []) =>
      Effect.sync(() => {
        if (text.includes("RETURNING notification_id")) {
          return params.flatMap((value, index) => (index % 8 === 0 ? [{ notification_id: value }] : []))
        }
        if (!text.includes("FROM sync_consumer_cursor WHERE")) return []
        const rows = []
        for (let at = 0; at < params.length / 2; at += 3) {
          const last = cursors.get(params.slice(at, at + 3).join("/"))
          if (last === undefined) continue
          rows.push({
            what: "cursor",
            site_id: params[at],
            station_id: params[at + 1],
            epoch: params[at + 2],
            last_seq: last
          })
        }
        return rows
      }) as unknown as Effect.Effect<ReadonlyArray<Row>>,
    execute: () => Effect.succeed({ changes: 1 }),
    write: (text, params = []) =>
      Effect.sync(() => {
        if (!text.includes("INTO sync_consumer_cursor")) return
        for (let at = 0; at < params.length; at += 5)
          cursors.set(params.slice(at, at + 3).join("/"), Number(params[at + 3]))
      }),
    transaction: (effect) => effect
  })
})()

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface AllocationNode {
  readonly callFrame: CallFrame
  readonly selfSize: number
  readonly children: ReadonlyArray<AllocationNode>
}

/** Where a call frame's function is in its source, through its module's source map (`--enable-source-maps`). */
const sourcePlace = ({ url, lineNumber, columnNumber }: CallFrame) => {
  const entry = url === "" ? undefined : findSourceMap(url)?.findEntry(lineNumber, columnNumber)
  return entry !== undefined && "originalSource" in entry ? (entry as SourceMapping) : undefined
}

/** A call frame's function and place, in its source where node has a source map (tsx puts a module on few lines). */
const siteOf = (frame: CallFrame): string => {
  const place = sourcePlace(frame)
  const where =
    place === undefined ? `${frame.url}:${frame.lineNumber + 1}` : `${place.originalSource}:${place.originalLine + 1}`
  return `${frame.functionName || "(anonymous)"} ${where.replace(/^.*\/(node_modules|wt-[^/]+|main)\//, "")}`
}

const server = withoutDatabase
  ? { createDatabase: async (name: string) => name, stop: async () => {} }
  : await startPostgres()
try {
  await Effect.runPromise(applyRun(await server.createDatabase("warmup"), "W", 1_000, false))
  for (let round = 1; round <= rounds; round++) {
    const figures = await Effect.runPromise(
      applyRun(await server.createDatabase(`round${round}`), `R${round}`, orders, true)
    )
    console.log(JSON.stringify({ round, ...figures }))
  }
} finally {
  await server.stop()
}
