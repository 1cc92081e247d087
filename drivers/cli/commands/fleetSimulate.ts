/** The `packbench fleet-simulate` command: N simulated stations in one process, publishing real events to a broker. */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { Cause, Effect, Fiber, References } from "effect"
import { newBrokerPassword, readLoginFile, writeLoginFile } from "../../mqtt/BrokerLogins.ts"
import {
  MOSQUITTO_ACL_FILE,
  MOSQUITTO_PASSWORD_FILE,
  upsertMosquittoAcl,
  upsertMosquittoPassword
} from "../../mqtt/MosquittoFiles.ts"
import {
  type FleetStation,
  fleetLoginFile,
  fleetStation,
  fleetUsername,
  hasLogin,
  makeSimulatedStation,
  type SimulatedStation
} from "../../simulation/FleetSimulation.ts"
import { type Command, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"
import { runUntilSignal } from "../runUntilSignal.ts"

const usage =
  "fleet-simulate --stations N --rate EVENTS_PER_S [--first I] [--broker URL] [--data-dir DIR] [--per-site K] [--duration S] [--offline-share F] [--offline-after S] [--offline-seconds S] [--drain-wait S] [--mqtt 4|5] | fleet-simulate --enroll --stations N --mosquitto-dir DIR [--data-dir DIR] [--per-site K]"

/** A number flag that must be finite and inside [min, max]; `whole` refuses fractions. */
const numberFlag = (
  value: string | undefined,
  fallback: number | undefined,
  name: string,
  min: number,
  max: number,
  whole: boolean
): number | string | undefined => {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < min || parsed > max || (whole && !Number.isInteger(parsed))) {
    return `--${name} must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}, not "${value}"`
  }
  return parsed
}

/**
 * Many station identities in one process, each with its own SQLite file, broker login and outbox, appending real
 * events (an order, its parcel packed, handed to the carrier) at `--rate` per station. After `--offline-after`
 * seconds a random `--offline-share` of them go offline for `--offline-seconds` (their broker link and outbox
 * stop; events are still recorded) and then drain. Progress goes to stderr every 5 s, the summary as JSON to
 * stdout. `--enroll` writes each station's login (a fresh password in `<data-dir>/<site>.<station>/broker-login.json`,
 * mode 0600) into a mosquitto's password and ACL files, as `hub add-station` does, and exits: send mosquitto
 * SIGHUP, then run the simulation.
 */
export const fleetSimulateCommand: Command = {
  name: "fleet-simulate",
  usage,
  summary: "simulate a fleet: N stations in one process publish real events at a rate, some going offline and draining",
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      stations: "string",
      first: "string",
      rate: "string",
      broker: "string",
      "data-dir": "string",
      "per-site": "string",
      duration: "string",
      "offline-share": "string",
      "offline-after": "string",
      "offline-seconds": "string",
      "drain-wait": "string",
      mqtt: "string",
      enroll: "boolean",
      "mosquitto-dir": "string"
    })
    const fail = async (message: string) => {
      await writeLine(io.stderr, `packbench fleet-simulate: ${message}\nusage: packbench ${usage}`)
      return 2
    }
    if (!flags.ok) return fail(flags.message)
    if (flags.positional.length > 0) return fail(`unexpected ${flags.positional.join(" ")}`)
    const { values } = flags
    const parsed = {
      stations: numberFlag(values.stations, undefined, "stations", 1, 10_000, true),
      first: numberFlag(values.first, 0, "first", 0, 100_000, true),
      rate: numberFlag(values.rate, undefined, "rate", 0.001, 1_000, false),
      perSite: numberFlag(values["per-site"], 4, "per-site", 1, 10_000, true),
      duration: numberFlag(values.duration, undefined, "duration", 1, 86_400 * 7, false),
      offlineShare: numberFlag(values["offline-share"], 0.1, "offline-share", 0, 1, false),
      offlineAfter: numberFlag(values["offline-after"], 10, "offline-after", 0, 86_400, false),
      offlineSeconds: numberFlag(values["offline-seconds"], 60, "offline-seconds", 0, 86_400, false),
      drainWait: numberFlag(values["drain-wait"], 30, "drain-wait", 0, 86_400, false),
      mqtt: numberFlag(values.mqtt, 5, "mqtt", 4, 5, true)
    }
    for (const value of Object.values(parsed)) if (typeof value === "string") return fail(value)
    const n = parsed as { [K in keyof typeof parsed]: number | undefined }
    if (n.stations === undefined) return fail("--stations is required")
    const dataDir = resolve(io.cwd, values["data-dir"] ?? "./.packbench-fleet")
    // `--first` lets several processes share one fleet (station numbers first … first + stations - 1): SQLite
    // commits are synchronous, so one process's stations wait for each other's fsyncs.
    const stations: Array<FleetStation> = Array.from({ length: n.stations }, (_, index) =>
      fleetStation(dataDir, (n.first ?? 0) + index, n.perSite ?? 4)
    )
    if (values.enroll === true) {
      const mosquittoDir = values["mosquitto-dir"]
      if (mosquittoDir === undefined) return fail("--enroll needs --mosquitto-dir DIR (its passwords and acl files)")
      const dir = resolve(io.cwd, mosquittoDir)
      mkdirSync(dir, { recursive: true })
      for (const station of stations) {
        mkdirSync(station.dir, { recursive: true })
        const username = fleetUsername(station)
        const password = newBrokerPassword()
        upsertMosquittoPassword(join(dir, MOSQUITTO_PASSWORD_FILE), username, password)
        upsertMosquittoAcl(join(dir, MOSQUITTO_ACL_FILE), username, {
          role: "station",
          siteId: station.siteId,
          stationId: station.stationId
        })
        writeLoginFile(fleetLoginFile(station), {
          role: "station",
          siteId: station.siteId,
          stationId: station.stationId,
          username,
          password
        })
      }
      await writeLine(
        io.stdout,
        `Enrolled ${stations.length} stations in ${dir} (send mosquitto SIGHUP to apply); logins under ${dataDir}`
      )
      return 0
    }
    if (n.rate === undefined) return fail("--rate is required (events per second per station)")
    const brokerUrl = values.broker ?? "mqtt://127.0.0.1:1883"
    if (!/^(mqtts?|wss?):\/\/./.test(brokerUrl))
      return fail(`--broker must be an mqtt:// or mqtts:// URL, not "${brokerUrl}"`)
    const rate = n.rate
    const log = (line: string) => void writeLine(io.stderr, line)
    const program = Effect.gen(function* () {
      const simulated: Array<SimulatedStation> = []
      for (const station of stations) {
        const file = fleetLoginFile(station)
        const login = hasLogin(station) ? readLoginFile(file) : undefined
        simulated.push(
          yield* makeSimulatedStation({
            station,
            brokerUrl,
            protocolVersion: n.mqtt === 4 ? 4 : 5,
            login: login === undefined ? undefined : { username: login.username, password: login.password }
          })
        )
      }
      yield* Effect.forEach(simulated, (station) => station.connect, { discard: true })
      const started = Date.now()
      log(`fleet-simulate: ${simulated.length} stations on ${brokerUrl}, ${rate} events/s each, data in ${dataDir}`)
      const intervalMs = 1_000 / rate
      // Each station appends on its own beat, started at a random phase so the fleet does not append in lockstep.
      const appenders = yield* Effect.forEach(simulated, (station) =>
        Effect.forkScoped(
          Effect.gen(function* () {
            yield* Effect.sleep(Math.random() * intervalMs)
            let due = Date.now()
            while (true) {
              yield* station.appendNext.pipe(
                Effect.catchCause((cause) => Effect.logError(`${station.station.stationId}: append failed`, cause))
              )
              due += intervalMs
              yield* Effect.sleep(Math.max(0, due - Date.now()))
            }
          })
        )
      )
      const offline = [...simulated]
        .sort(() => Math.random() - 0.5)
        .slice(0, Math.round(simulated.length * (n.offlineShare ?? 0)))
      const outage = yield* Effect.forkScoped(
        Effect.gen(function* () {
          yield* Effect.sleep((n.offlineAfter ?? 10) * 1_000)
          log(`fleet-simulate: ${offline.length} stations go offline for ${n.offlineSeconds} s`)
          yield* Effect.forEach(offline, (station) => station.disconnect, { discard: true })
          yield* Effect.sleep((n.offlineSeconds ?? 60) * 1_000)
          log(`fleet-simulate: ${offline.length} stations back online, draining`)
          yield* Effect.forEach(offline, (station) => station.connect, { discard: true })
        })
      )
      const totals = Effect.gen(function* () {
        const statuses = yield* Effect.forEach(simulated, (station) => station.status)
        return {
          appended: statuses.reduce((sum, s) => sum + s.appended, 0),
          confirmed: statuses.reduce((sum, s) => sum + (s.confirmed ?? 0), 0),
          depth: statuses.reduce((sum, s) => sum + (s.depth ?? 0), 0),
          offline: statuses.filter((s) => !s.online).length
        }
      })
      const reporter = yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            yield* Effect.sleep(5_000)
            const t = yield* totals
            log(
              `fleet-simulate: ${Math.round((Date.now() - started) / 1000)} s: appended ${t.appended}, confirmed ${t.confirmed}, unconfirmed ${t.depth}, offline ${t.offline}`
            )
          })
        )
      )
      yield* n.duration === undefined ? Effect.never : Effect.sleep(n.duration * 1_000)
      yield* Effect.forEach(appenders, Fiber.interrupt, { discard: true })
      // An outage under way at the end of the run is played to its end (the stations come back when it says), so
      // a run always shows the drain after it, however slow the machine.
      yield* Fiber.join(outage)
      // Whoever is still offline comes back, and everyone drains.
      yield* Effect.forEach(simulated, (station) => station.connect, { discard: true })
      const drainUntil = Date.now() + (n.drainWait ?? 30) * 1_000
      let last = yield* totals
      while (last.depth > 0 && Date.now() < drainUntil) {
        yield* Effect.sleep(250)
        last = yield* totals
      }
      yield* Fiber.interrupt(reporter)
      yield* Effect.forEach(simulated, (station) => station.disconnect, { discard: true })
      return {
        stations: simulated.length,
        ratePerStation: rate,
        seconds: (Date.now() - started) / 1_000,
        offlineStations: offline.length,
        ...last
      }
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))
    const exit = await runUntilSignal(program)
    if (exit._tag === "Failure") {
      // Stopped by SIGINT/SIGTERM: what was recorded stays in each station's database for the next run.
      if (Cause.hasInterruptsOnly(exit.cause)) return 0
      await writeLine(io.stderr, `packbench fleet-simulate: failed: ${String(exit.cause)}`)
      return 1
    }
    await writeLine(io.stdout, JSON.stringify(exit.value))
    return exit.value.depth === 0 ? 0 : 1
  }
}
