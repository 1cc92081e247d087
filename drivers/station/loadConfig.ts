/** Reads the station's configuration from file and environment and resolves it, naming every bad field. */
import { existsSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"
import { boundedOneLine } from "../../core/bounds/oneLine.ts"
import { defaultCarrierProfiles } from "../../core/carrier/CarrierProfile.ts"
import {
  type CarrierConfig,
  DEFAULT_CARRIER_TIMEOUT_MS,
  DEFAULT_EMBEDDED_BROKER_PORT,
  DEFAULT_HTTP_PORT,
  DEFAULT_HUB_EPCIS_RETENTION_DAYS,
  DEFAULT_PHOTO_RETENTION_DAYS,
  type ResolvedApiCarrier,
  type ResolvedConfig,
  resolveNotifyConfig,
  StationConfig
} from "../../core/config/StationConfig.ts"
import { type DecodeProblem, decodeStrict, describeProblems } from "../../core/decode/DecodeProblem.ts"
import { DEFAULT_CLOSES_SHOWN_DAYS } from "../../core/pack/CarrierCancellations.ts"
import { DEFAULT_SITE_TIME_ZONE } from "../../core/time/SiteTime.ts"

export const CONFIG_FILE_NAME = "packbench.config.json"

/** Environment variables that override one config field each; numbers stay text when they are not numbers, so the
 * schema reports the bad value instead of a silent NaN. */
const ENV_OVERRIDES: ReadonlyArray<{
  readonly name: string
  readonly path: ReadonlyArray<string>
  readonly numeric?: boolean
  /** Turns the variable's text into the field's shape, or says what form it expected. */
  readonly parse?: (value: string) => { readonly value: unknown } | { readonly problem: string }
}> = [
  { name: "PACKBENCH_DATA_DIR", path: ["dataDir"] },
  { name: "PACKBENCH_SITE_ID", path: ["station", "siteId"] },
  { name: "PACKBENCH_STATION_ID", path: ["station", "stationId"] },
  { name: "PACKBENCH_LOCALE", path: ["station", "locale"] },
  { name: "PACKBENCH_TIME_ZONE", path: ["station", "timeZone"] },
  { name: "PACKBENCH_HTTP_HOST", path: ["http", "host"] },
  { name: "PACKBENCH_HTTP_PORT", path: ["http", "port"], numeric: true },
  { name: "PACKBENCH_BROKER_URL", path: ["broker", "url"] },
  { name: "PACKBENCH_EMBEDDED_BROKER_PORT", path: ["broker", "embeddedPort"], numeric: true },
  { name: "PACKBENCH_BROKER_USERNAME", path: ["broker", "username"] },
  { name: "PACKBENCH_BROKER_PASSWORD", path: ["broker", "password"] },
  { name: "PACKBENCH_HUB_SMTP_URL", path: ["hub", "smtpUrl"] },
  { name: "PACKBENCH_HUB_PORT", path: ["hub", "port"], numeric: true },
  { name: "PACKBENCH_HUB_URL", path: ["hub", "url"] },
  { name: "PACKBENCH_HUB_DATABASE_URL", path: ["hub", "databaseUrl"] },
  { name: "PACKBENCH_HUB_METRICS_TOKEN", path: ["hub", "metricsToken"] },
  { name: "PACKBENCH_NTP_SERVER", path: ["time", "ntpServer"] },
  { name: "PACKBENCH_STATION_INDEX", path: ["numbering", "stationIndex"], numeric: true },
  { name: "PACKBENCH_STATIONS", path: ["numbering", "stations"], numeric: true },
  {
    name: "PACKBENCH_HUB_QUIET_HOURS",
    path: ["hub", "notify", "quietHours"],
    parse: (value) => parseQuietHours(value)
  },
  { name: "PACKBENCH_HUB_FEEDBACK_DELAY", path: ["hub", "notify", "feedbackDelay"] },
  { name: "PACKBENCH_HUB_NO_SCAN_ALERT", path: ["hub", "notify", "noScanAlert"] },
  { name: "PACKBENCH_HUB_PICKUP_ALERT", path: ["hub", "notify", "pickupAlert"] },
  { name: "PACKBENCH_HUB_CORRECTION_ANSWER_WAIT", path: ["hub", "notify", "correctionAnswerWait"] },
  { name: "PACKBENCH_HUB_TRANSIT_DAYS", path: ["hub", "notify", "transitDays"], parse: (value) => parseJson(value) },
  { name: "PACKBENCH_HUB_DEFAULT_TRANSIT_DAYS", path: ["hub", "notify", "defaultTransitDays"], numeric: true },
  {
    name: "PACKBENCH_HUB_ORDER_CONFIRMATIONS",
    path: ["hub", "notify", "orderConfirmations"],
    parse: (value) => parseSwitch(value)
  },
  {
    name: "PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK",
    path: ["simulation", "scaleFollowsPack"],
    parse: (value) => parseSwitch(value)
  },
  {
    name: "PACKBENCH_HUB_CANCELLATION_NOTICE",
    path: ["hub", "notify", "cancellationNotice"],
    parse: (value) => parseSwitch(value)
  }
]

/** "on"/"true"/"1" or "off"/"false"/"0"; anything else is named, not guessed at. */
const parseSwitch = (value: string) => {
  const text = value.trim().toLowerCase()
  if (text === "on" || text === "true" || text === "1") return { value: true }
  if (text === "off" || text === "false" || text === "0") return { value: false }
  return { problem: `expected on or off, got "${value}"` }
}

/** "21-8" (start and end hour) or "off". */
const parseQuietHours = (value: string) => {
  if (value.trim().toLowerCase() === "off") return { value: { startHour: 0, endHour: 0 } }
  const match = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(value)
  return match === null
    ? { problem: `expected start and end hour such as "21-8", or "off", got "${value}"` }
    : { value: { startHour: Number(match[1]), endHour: Number(match[2]) } }
}

const parseJson = (value: string) => {
  try {
    return { value: JSON.parse(value) as unknown }
  } catch (error) {
    return { problem: `expected JSON (${(error as Error).message})` }
  }
}

export const ENV_OVERRIDE_NAMES = ENV_OVERRIDES.map((override) => override.name)

/** A problem as printed: one line, whatever the value it quotes or the key it names held, at most 360 characters. */
const boundedProblem = (problem: DecodeProblem): DecodeProblem => ({
  path: boundedOneLine(problem.path, 120),
  message: boundedOneLine(problem.message, 240)
})

export class ConfigError extends Error {
  readonly problems: ReadonlyArray<DecodeProblem>
  constructor(
    readonly source: string,
    problems: ReadonlyArray<DecodeProblem>
  ) {
    const shown = problems.map(boundedProblem)
    super(`Configuration in ${source} is not valid:\n${describeProblems(shown)}`)
    this.name = "ConfigError"
    this.problems = shown
  }
}

const setPath = (target: Record<string, unknown>, path: ReadonlyArray<string>, value: unknown) => {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    node[key] = typeof next === "object" && next !== null && !Array.isArray(next) ? { ...next } : {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

const readConfigFile = (file: string): Record<string, unknown> => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    throw new ConfigError(file, [{ path: "", message: `cannot read the file: ${(error as Error).message}` }])
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(file, [{ path: "", message: `not valid JSON: ${(error as Error).message}` }])
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ path: "", message: "expected a JSON object at the top level" }])
  }
  return parsed as Record<string, unknown>
}

/**
 * The API carriers as the station runs them: each id must be a carrier the station ships with, and a named key
 * variable must be set (an empty key would only show as refused labels much later, at the bench).
 */
const resolveCarriers = (
  source: string,
  carriers: Readonly<Record<string, CarrierConfig>>,
  env: Readonly<Record<string, string | undefined>>
): Record<string, ResolvedApiCarrier> => {
  const known = defaultCarrierProfiles.map((profile) => profile.id)
  const problems: Array<DecodeProblem> = []
  const resolved: Record<string, ResolvedApiCarrier> = {}
  for (const [id, carrier] of Object.entries(carriers)) {
    if (!known.includes(id)) {
      problems.push({
        path: `carriers.${id}`,
        message: `Unknown carrier "${id}"; this station ships with ${known.map((name) => `"${name}"`).join(", ")}`
      })
      continue
    }
    const apiKey = carrier.apiKeyEnv === undefined ? undefined : env[carrier.apiKeyEnv]
    if (carrier.apiKeyEnv !== undefined && (apiKey === undefined || apiKey === "")) {
      problems.push({
        path: `carriers.${id}.apiKeyEnv`,
        message: `The environment variable ${carrier.apiKeyEnv} that should hold the API key is not set`
      })
      continue
    }
    resolved[id] = {
      type: "api",
      baseUrl: carrier.baseUrl.replace(/\/+$/, ""),
      timeoutMs: carrier.timeoutMs ?? DEFAULT_CARRIER_TIMEOUT_MS,
      ...(carrier.apiKeyEnv === undefined ? {} : { apiKeyEnv: carrier.apiKeyEnv }),
      ...(apiKey === undefined ? {} : { apiKey })
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems)
  return resolved
}

/**
 * Reads the station configuration: the file named by `--config`, else `$PACKBENCH_CONFIG`, else
 * `./packbench.config.json` when it exists, else nothing; then the environment overrides; then the defaults.
 * Throws a ConfigError that names each bad field, its value and what was expected.
 */
export const loadConfig = (options: {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly configFile?: string | undefined
}): ResolvedConfig => {
  const named = options.configFile ?? options.env.PACKBENCH_CONFIG
  const defaultFile = resolve(options.cwd, CONFIG_FILE_NAME)
  const file = named !== undefined ? resolve(options.cwd, named) : existsSync(defaultFile) ? defaultFile : undefined
  const raw: Record<string, unknown> = file === undefined ? {} : readConfigFile(file)
  const fromEnv = new Map<string, string>()
  const unreadable: Array<DecodeProblem> = []
  for (const override of ENV_OVERRIDES) {
    const text = options.env[override.name]
    if (text === undefined || text === "") continue
    const parsed = override.parse?.(text) ?? { value: override.numeric && /^\d+$/.test(text) ? Number(text) : text }
    if ("problem" in parsed) {
      unreadable.push({ path: `${override.path.join(".")} (from ${override.name})`, message: parsed.problem })
      continue
    }
    setPath(raw, override.path, parsed.value)
    fromEnv.set(override.path.join("."), override.name)
  }
  if (unreadable.length > 0) throw new ConfigError("the environment", unreadable)
  const decoded = Effect.runSync(Effect.result(decodeStrict(StationConfig)(raw)))
  if (decoded._tag === "Failure") {
    const problems = decoded.failure.map((problem) => {
      const envName = fromEnv.get(problem.path)
      return envName === undefined ? problem : { ...problem, path: `${problem.path} (from ${envName})` }
    })
    throw new ConfigError(file ?? "the environment", problems)
  }
  const config = decoded.success
  const carriers = resolveCarriers(file ?? "the environment", config.carriers ?? {}, options.env)
  return {
    configFile: file,
    station: {
      ...(config.station?.siteId === undefined ? {} : { siteId: config.station.siteId }),
      ...(config.station?.stationId === undefined ? {} : { stationId: config.station.stationId }),
      name: config.station?.name ?? "Packbench station",
      locale: config.station?.locale ?? "de",
      timeZone: config.station?.timeZone ?? DEFAULT_SITE_TIME_ZONE
    },
    dataDir: resolve(options.cwd, config.dataDir ?? ".packbench"),
    http: { host: config.http?.host ?? "127.0.0.1", port: config.http?.port ?? DEFAULT_HTTP_PORT },
    broker: { embeddedPort: DEFAULT_EMBEDDED_BROKER_PORT, ...config.broker },
    scanners: config.scanners ?? [{ type: "simulated", id: "sim-scanner" }],
    scales: config.scales ?? [{ type: "simulated", id: "sim-scale" }],
    cameras: config.cameras ?? [],
    evidence: { photoRetentionDays: config.evidence?.photoRetentionDays ?? DEFAULT_PHOTO_RETENTION_DAYS },
    carrierCancellations: {
      closesShownDays: config.carrierCancellations?.closesShownDays ?? DEFAULT_CLOSES_SHOWN_DAYS
    },
    epcis: { ...config.epcis },
    printers: {
      label: config.printers?.label ?? { type: "simulated" },
      receipt: config.printers?.receipt ?? { type: "simulated" }
    },
    fixtures: { loadOnFirstStart: config.fixtures?.loadOnFirstStart ?? true },
    simulation: { scaleFollowsPack: config.simulation?.scaleFollowsPack ?? false },
    hub: {
      // With the embedded broker nobody else can consume the events, so the hub runs here unless told otherwise.
      embedded: config.hub?.embedded ?? config.broker?.url === undefined,
      ...(config.hub?.port === undefined ? {} : { port: config.hub.port }),
      ...(config.hub?.smtpUrl === undefined ? {} : { smtpUrl: config.hub.smtpUrl }),
      ...(config.hub?.publicUrl === undefined ? {} : { publicUrl: config.hub.publicUrl }),
      ...(config.hub?.url === undefined ? {} : { url: config.hub.url }),
      ...(config.hub?.databaseUrl === undefined ? {} : { databaseUrl: config.hub.databaseUrl }),
      ...(config.hub?.metricsToken === undefined ? {} : { metricsToken: config.hub.metricsToken }),
      epcisRetentionDays: config.hub?.epcisRetentionDays ?? DEFAULT_HUB_EPCIS_RETENTION_DAYS,
      notify: resolveNotifyConfig(config.hub?.notify),
      ...(config.hub?.shops === undefined ? {} : { shops: config.hub.shops })
    },
    carriers,
    time: {
      ...(config.time?.ntpServer === undefined ? {} : { ntpServer: config.time.ntpServer }),
      ntpIntervalMs: (config.time?.ntpIntervalSeconds ?? 300) * 1000
    },
    numbering:
      config.numbering === undefined
        ? { stationIndex: 0, stations: 1, configured: false }
        : { ...config.numbering, configured: true }
  }
}
