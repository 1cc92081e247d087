/** The checks `packbench doctor` runs: config, data dir, database, broker, devices and label services. */
import { accessSync, constants, existsSync, mkdirSync, statfsSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import Database from "better-sqlite3"
import { Effect, Exit, Scope } from "effect"
import mqtt from "mqtt"
import type {
  PrinterConfig,
  ResolvedApiCarrier,
  ResolvedConfig,
  ScaleConfig,
  ScannerConfig
} from "../../core/config/StationConfig.ts"
import { isLow, type RangeLeft } from "../../core/numbering/NumberRanges.ts"
import { readBrokerLogins } from "../mqtt/BrokerLogins.ts"
import { makeTcpPrinter } from "../printer/TcpPrinter.ts"
import { SerialScale } from "../scale/SerialScale.ts"
import { loadBrokerTls } from "./brokerTls.ts"

export interface DoctorCheck {
  readonly name: string
  readonly ok: boolean
  /** Something is wrong, but the station works around it (it does not fail the doctor). */
  readonly warning?: boolean
  readonly detail: string
}

const check = (name: string, ok: boolean, detail: string): DoctorCheck => ({ name, ok, detail })
const warn = (name: string, detail: string): DoctorCheck => ({ name, ok: true, warning: true, detail })

const MIN_FREE_BYTES = 200 * 1024 * 1024

export const checkDataDir = (dataDir: string): DoctorCheck => {
  try {
    mkdirSync(dataDir, { recursive: true })
    accessSync(dataDir, constants.W_OK)
    const fs = statfsSync(dataDir)
    const free = fs.bavail * fs.bsize
    return check(
      "data dir",
      free >= MIN_FREE_BYTES,
      `${dataDir} is writable, ${(free / 1024 ** 3).toFixed(1)} GiB free${free < MIN_FREE_BYTES ? " (less than 200 MiB: the station will refuse new work when the disk fills)" : ""}`
    )
  } catch (error) {
    return check("data dir", false, `${dataDir}: ${(error as Error).message}`)
  }
}

export const checkDatabase = (dataDir: string): DoctorCheck => {
  const file = join(dataDir, "station.db")
  if (!existsSync(file))
    return check("database", true, `${file} does not exist yet; the station creates it on first start`)
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      const integrity = db.pragma("quick_check", { simple: true })
      const mode = db.pragma("journal_mode", { simple: true })
      const migrations = db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get() as { n: number }
      const events = db.prepare("SELECT COUNT(*) AS n, MAX(seq) AS last FROM events").get() as {
        n: number
        last: number | null
      }
      const ok = integrity === "ok" && mode === "wal"
      return check(
        "database",
        ok,
        `${file}: integrity ${String(integrity)}, journal ${String(mode)}, ${migrations.n} migrations, ${events.n} events (last seq ${events.last ?? 0})`
      )
    } finally {
      db.close()
    }
  } catch (error) {
    return check("database", false, `${file}: ${(error as Error).message}`)
  }
}

/**
 * How much each number range of the station has left of its block (carriers' tracking numbers, SSCC serials): a
 * warning once a range runs low (a tenth of its block or 500 numbers left), a failure when it is used up, since the
 * bench then refuses to label that carrier's parcels.
 */
export const checkNumberRanges = (config: ResolvedConfig): ReadonlyArray<DoctorCheck> => {
  const file = join(config.dataDir, "station.db")
  if (!existsSync(file)) return []
  let rows: ReadonlyArray<{
    name: string
    block_start: number
    block_end: number
    next: number
    slot: number
    slots: number
  }>
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'number_ranges'").get()
      if (table === undefined) return []
      rows = db
        .prepare("SELECT name, block_start, block_end, next, slot, slots FROM number_ranges ORDER BY name")
        .all() as typeof rows
    } finally {
      db.close()
    }
  } catch (error) {
    return [check("numbers", false, `${file}: ${(error as Error).message}`)]
  }
  return rows.map((row) => {
    const range: RangeLeft = {
      name: row.name,
      blockStart: row.block_start,
      blockEnd: row.block_end,
      next: row.next,
      left: row.block_end - row.next,
      slot: row.slot,
      slots: row.slots
    }
    const name = `numbers ${row.name}`
    const detail = `${range.left} of ${range.blockEnd - range.blockStart} left (block ${range.blockStart}-${range.blockEnd - 1}, slot ${range.slot} of ${range.slots}${config.numbering.configured ? "" : ", numbering.stationIndex not set: the whole range, for a station on its own"})`
    if (range.left === 0) return check(name, false, `used up: ${detail}; ask the office for a new range`)
    return isLow(range)
      ? warn(name, `running low: ${detail}; ask the office for a new range`)
      : check(name, true, detail)
  })
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/** MQTT 3.1.1 §3.2.2.3 / MQTT 5 §3.2.2.2: the broker answered CONNECT with a refusal of the login. */
const LOGIN_REFUSALS = new Set([4, 5, 0x86, 0x87])

const connectBroker = (
  url: string,
  login: { readonly username?: string; readonly password?: string },
  config: ResolvedConfig["broker"],
  timeoutMs: number
) =>
  new Promise<{ readonly problem: string; readonly loginRefused: boolean } | undefined>((resolve) => {
    const client = mqtt.connect(url, {
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      clientId: `packbench-doctor-${process.pid}`,
      clean: true,
      ...login,
      ...loadBrokerTls(config)
    })
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs + 500)
    const finish = (problem: string | undefined, loginRefused = false) => {
      clearTimeout(timer)
      client.end(true)
      resolve(problem === undefined ? undefined : { problem, loginRefused })
    }
    client.once("connect", () => finish(undefined))
    client.once("error", (error) => {
      const code = (error as { readonly code?: unknown }).code
      finish(error.message, typeof code === "number" && LOGIN_REFUSALS.has(code))
    })
    client.once("close", () => finish("connection closed before the broker accepted it"))
  })

export const checkBroker = async (config: ResolvedConfig): Promise<DoctorCheck> => {
  if (config.broker.url === undefined) {
    const port = config.broker.embeddedPort ?? 1883
    if (port === 0 || (await portFree(port))) {
      return check(
        "broker",
        true,
        `embedded broker (aedes): the station starts it on 127.0.0.1:${port === 0 ? "a free port" : port}`
      )
    }
    // Asked without a login: a station's own broker refuses that, and its refusal proves an MQTT broker listens.
    const answer = await connectBroker(`mqtt://127.0.0.1:${port}`, {}, config.broker, 3000)
    return answer === undefined || answer.loginRefused
      ? check("broker", true, `embedded broker port ${port} is served by a running MQTT broker`)
      : check(
          "broker",
          false,
          `port ${port} is in use by something that is not an MQTT broker (${answer.problem}); set broker.embeddedPort`
        )
  }
  try {
    const enrolled = readBrokerLogins(config.dataDir).station
    const login =
      config.broker.username !== undefined
        ? {
            username: config.broker.username,
            ...(config.broker.password === undefined ? {} : { password: config.broker.password })
          }
        : (enrolled ?? {})
    const answer = await connectBroker(config.broker.url, login, config.broker, 5000)
    return answer === undefined
      ? check("broker", true, `${config.broker.url} accepted a connection`)
      : check(
          "broker",
          false,
          `cannot connect to ${config.broker.url}: ${answer.problem}${answer.loginRefused ? " (check the station's login: packbench station enroll)" : ""}`
        )
  } catch (error) {
    return check("broker", false, `cannot connect to ${config.broker.url}: ${(error as Error).message}`)
  }
}

const checkScanner = (scanner: ScannerConfig): DoctorCheck => {
  if (scanner.type === "simulated")
    return check(`scanner ${scanner.id}`, true, "simulated (scans come from the UI or tests)")
  if (!existsSync(scanner.path))
    return check(`scanner ${scanner.id}`, false, `${scanner.path} does not exist (unplugged?)`)
  try {
    accessSync(scanner.path, constants.R_OK | constants.W_OK)
    return check(`scanner ${scanner.id}`, true, `${scanner.path} is present and accessible`)
  } catch (error) {
    return check(
      `scanner ${scanner.id}`,
      false,
      `${scanner.path}: ${(error as Error).message} (is the user in the dialout group?)`
    )
  }
}

/** Asks the scale for a weight through the station's own driver, so a wrong baud rate or protocol shows here. */
const askScale = async (scale: Extract<ScaleConfig, { type: "serial" }>, timeoutMs: number): Promise<DoctorCheck> => {
  const name = `scale ${scale.id}`
  const device = await Effect.runPromise(
    Effect.result(
      SerialScale.make({
        id: scale.id,
        path: scale.path,
        baudRate: scale.baudRate ?? 9600,
        protocol: scale.protocol ?? "mt-sics",
        continuous: scale.continuous ?? false,
        answerTimeoutMs: timeoutMs
      })
    )
  )
  if (device._tag === "Failure") return check(name, false, device.failure.message)
  const scope = await Effect.runPromise(Scope.make())
  try {
    return await new Promise<DoctorCheck>((resolve) => {
      const timer = setTimeout(
        () => resolve(check(name, false, `${scale.path}: no answer within ${timeoutMs} ms`)),
        timeoutMs + 1000
      )
      const done = (result: DoctorCheck) => {
        clearTimeout(timer)
        resolve(result)
      }
      Effect.runPromise(
        Scope.provide(scope)(
          device.success.run({
            onReading: (reading) =>
              done(
                check(
                  name,
                  true,
                  `${scale.path} answers MT-SICS: ${reading.grams} g (${reading.stable ? "stable" : "moving"})`
                )
              ),
            onState: (state) => {
              if (state._tag !== "Connected") done(check(name, false, `${scale.path}: ${state.reason}`))
            }
          })
        )
      ).catch((error: unknown) => done(check(name, false, String(error))))
    })
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const checkScale = async (scale: ScaleConfig): Promise<DoctorCheck> => {
  const name = `scale ${scale.id}`
  if (scale.type === "simulated") return check(name, true, "simulated (weights are placed by tests or the demo)")
  if (!existsSync(scale.path)) return check(name, false, `${scale.path} does not exist (unplugged?)`)
  try {
    accessSync(scale.path, constants.R_OK | constants.W_OK)
  } catch (error) {
    return check(name, false, `${scale.path}: ${(error as Error).message} (is the user in the dialout group?)`)
  }
  return askScale(scale, 2000)
}

const checkPrinter = async (role: "label" | "receipt", printer: PrinterConfig): Promise<DoctorCheck> => {
  const name = `${role} printer`
  if (printer.type === "simulated") return check(name, true, "simulated (renders to PNG/PDF in the data dir)")
  if (printer.type === "device") {
    if (!existsSync(printer.path))
      return check(name, false, `${printer.path} does not exist (unplugged or switched off?)`)
    try {
      accessSync(printer.path, constants.W_OK)
      return check(name, true, `${printer.path} is writable`)
    } catch (error) {
      return check(name, false, `${printer.path}: ${(error as Error).message}`)
    }
  }
  const device = makeTcpPrinter({
    id: `${role}-printer`,
    host: printer.host,
    port: printer.port ?? 9100,
    language: role === "label" ? "zpl" : "escpos",
    timeoutMs: 3000
  })
  const status = await Effect.runPromise(Effect.result(device.status))
  if (status._tag === "Failure") return check(name, false, status.failure.message)
  return check(
    name,
    status.success === "Online" || status.success === "Unknown",
    `${printer.host}:${printer.port ?? 9100} reports ${status.success}`
  )
}

/**
 * Whether an API carrier's label service answers at all: any HTTP answer below 500 will do (the service's own
 * resources need a shipment to ask about). Out of reach is a warning, not a failure: the station packs on and its
 * parcels wait as "label pending" until the service answers.
 */
export const checkApiCarrier = async (carrier: string, api: ResolvedApiCarrier): Promise<DoctorCheck> => {
  const name = `carrier ${carrier}`
  const pending = "parcels wait as label pending until it answers"
  try {
    const response = await fetch(api.baseUrl, {
      method: "GET",
      headers: api.apiKey === undefined ? {} : { authorization: `Bearer ${api.apiKey}` },
      signal: AbortSignal.timeout(api.timeoutMs)
    })
    await response.body?.cancel()
    return response.status >= 500
      ? warn(name, `${api.baseUrl} answered HTTP ${response.status}; ${pending}`)
      : check(name, true, `${api.baseUrl} answers (HTTP ${response.status})`)
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
    return warn(
      name,
      error instanceof Error && error.name === "TimeoutError"
        ? `${api.baseUrl}: no answer within ${api.timeoutMs} ms; ${pending}`
        : `cannot reach ${api.baseUrl} (${error instanceof Error ? error.message : String(error)}${cause}); ${pending}`
    )
  }
}

/** Every check `packbench doctor` runs, in the order it prints them. */
export const runDoctor = async (config: ResolvedConfig): Promise<ReadonlyArray<DoctorCheck>> => [
  checkDataDir(config.dataDir),
  checkDatabase(config.dataDir),
  ...checkNumberRanges(config),
  await checkBroker(config),
  ...config.scanners.map(checkScanner),
  ...(await Promise.all(config.scales.map(checkScale))),
  await checkPrinter("label", config.printers.label),
  await checkPrinter("receipt", config.printers.receipt),
  ...(await Promise.all(Object.entries(config.carriers).map(([carrier, api]) => checkApiCarrier(carrier, api))))
]
