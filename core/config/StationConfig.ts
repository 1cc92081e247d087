/** The station's configuration schema: every field, its default, and the resolved form the drivers start from. */
import { Schema } from "effect"
import { BoundedInt, Bounds } from "../bounds/Bounds.ts"
import { quotedOneLine } from "../bounds/oneLine.ts"
import { isEpcisLocation } from "../events/Epcis.ts"
import { StationCode } from "../station/StationIdentity.ts"
import { TimeZoneName } from "../time/SiteTime.ts"
import { DevicePath } from "./DevicePath.ts"
import { DurationText, parseDuration } from "./DurationText.ts"
import { isListenHost, serverPortProblem, serverUrlPortProblem, withoutPassword } from "./ServerAddress.ts"
import { controlCharacterIn, SecretSettingText, SettingText, settingTextProblem } from "./SettingText.ts"
import { ShopsConfig } from "./ShopsConfig.ts"

const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
/** A device's or a camera's id, as logs and the device list name it. */
const DeviceId = SettingText(64)
/** A file's or a directory's path: PATH_MAX is 4096, a path a person sets up is far shorter. */
const FilePath = SettingText(1024)
/** The port a server listens on, to connect to: 0 would pick a free port for a listener, and names none to reach. */
const ServerPort = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 }))
/** A printer's host to connect to: a host name or an IP address, as `isListenHost` takes them. */
const PrinterHost = Schema.String.check(
  Schema.makeFilter((text: string) =>
    isListenHost(text)
      ? undefined
      : `expected a host name or an IP address (192.0.2.10, printer.local), got ${quotedOneLine(text)}`
  )
)
const ListenHost = Schema.String.check(
  Schema.makeFilter((text: string) =>
    isListenHost(text)
      ? undefined
      : `expected a host name or an IP address to listen on (127.0.0.1, 0.0.0.0, ::1), got ${quotedOneLine(text)}`
  )
)

/**
 * A server's URL of the form `pattern` (`expected` says it in words); its port, when it names one, one a server can
 * listen on (serverUrlPortProblem); one line of a plausible length, as it is logged; a message never repeats its
 * password (`withoutPassword`).
 */
const ServerUrl = (pattern: RegExp, expected: string) =>
  Schema.makeFilter(
    (text: string) =>
      settingTextProblem(text, 2048, { shown: withoutPassword(text) }) ??
      (pattern.test(text) ? undefined : `expected ${expected}, got ${quotedOneLine(withoutPassword(text), 60)}`) ??
      serverUrlPortProblem(text)
  )

/**
 * What a scanner sends before every code: often a control character itself (STX, U+0002), so only the characters
 * that end a scan are refused, as a prefix holding one would never be read whole.
 */
const ScanPrefix = Schema.String.check(
  Schema.makeFilter((text: string) => {
    if (text.length === 0 || text.length > 32) return `expected 1 to 32 characters, got ${text.length} characters`
    const ending = controlCharacterIn(text, /[\r\n\t]/)
    return ending === undefined ? undefined : `expected no CR, LF or TAB (they end a scan), got ${ending}`
  })
)

export const Locale = Schema.Literals(["de", "en"])
export type Locale = typeof Locale.Type

export const ScannerConfig = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("serial"),
    id: DeviceId,
    path: DevicePath,
    baudRate: Schema.optional(Schema.Literals([1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200])),
    suffix: Schema.optional(Schema.Literals(["CR", "LF", "CRLF", "TAB"])),
    prefix: Schema.optional(ScanPrefix)
  }),
  Schema.Struct({ type: Schema.Literal("simulated"), id: DeviceId })
])
export type ScannerConfig = typeof ScannerConfig.Type

export const ScaleConfig = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("serial"),
    id: DeviceId,
    path: DevicePath,
    baudRate: Schema.optional(Schema.Literals([1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200])),
    /** Mettler-Toledo MT-SICS, which most bench scales and weighing terminals speak or emulate. */
    protocol: Schema.optional(Schema.Literal("mt-sics")),
    /** Let the scale stream (`SIR`) instead of asking for each weight (`SI`). */
    continuous: Schema.optional(Schema.Boolean)
  }),
  Schema.Struct({ type: Schema.Literal("simulated"), id: DeviceId })
])
export type ScaleConfig = typeof ScaleConfig.Type

/**
 * A camera that photographs the parcel at "packed" (the first one listed does): `recorded` cycles through the JPEG
 * frames of a directory (tests and the simulation), `v4l2` asks ffmpeg for one frame of a Linux video device, and
 * `browser` takes the still with the bench screen's own camera.
 */
export const CameraConfig = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("recorded"),
    id: DeviceId,
    /** The directory of `.jpg` frames; absent: a generated test frame in `<dataDir>/camera-frames`. */
    path: Schema.optional(FilePath)
  }),
  Schema.Struct({
    type: Schema.Literal("v4l2"),
    id: DeviceId,
    device: Schema.String.check(Schema.isPattern(/^\/dev\/video\d{1,3}$/)),
    /** How long ffmpeg may take for the one frame before the photo counts as missing. */
    timeoutMs: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 500, maximum: 30_000 })))
  }),
  Schema.Struct({ type: Schema.Literal("browser"), id: DeviceId })
])
export type CameraConfig = typeof CameraConfig.Type

export const EvidenceConfig = Schema.Struct({
  /** Days a pack evidence photo is kept after its parcel was packed; then the pruning job deletes it. */
  photoRetentionDays: Schema.optional(BoundedInt(1, Bounds.maxDays))
})
export type EvidenceConfig = typeof EvidenceConfig.Type

export const DEFAULT_PHOTO_RETENTION_DAYS = 90

/** A GS1 SGLN EPC URI or an http(s) URI (e.g. a GS1 Digital Link for the GLN), as EPCIS 2.0 names locations. */
const EpcisLocation = Schema.String.check(
  Schema.makeFilter((text) =>
    isEpcisLocation(text)
      ? undefined
      : `expected an SGLN such as "urn:epc:id:sgln:4012345.00001.0" or an https:// URI such as "https://id.gs1.org/414/4012345000016"`
  )
)

/** Where this station's EPCIS events happen: absent, Packbench names the site and the station with its own URIs. */
export const EpcisConfig = Schema.Struct({
  /** The site (bizLocation of every event). */
  siteLocation: Schema.optional(EpcisLocation),
  /** This station (readPoint of every event). */
  readPoint: Schema.optional(EpcisLocation)
})
export type EpcisConfig = typeof EpcisConfig.Type

/** Days the hub keeps the EPCIS view of station events for `GET /epcis`: 400 covers a year and its audit. */
export const DEFAULT_HUB_EPCIS_RETENTION_DAYS = 400

export const PrinterConfig = Schema.Union([
  Schema.Struct({ type: Schema.Literal("tcp"), host: PrinterHost, port: Schema.optional(ServerPort) }),
  Schema.Struct({ type: Schema.Literal("device"), path: DevicePath }),
  Schema.Struct({ type: Schema.Literal("simulated"), port: Schema.optional(Port) })
])
export type PrinterConfig = typeof PrinterConfig.Type

export const BrokerConfig = Schema.Struct({
  /** mqtt://, mqtts://, ws:// or wss://. Absent: the station starts its embedded broker on `embeddedPort`. */
  url: Schema.optional(
    Schema.String.check(ServerUrl(/^(mqtts?|wss?):\/\/\S+$/, "an mqtt://, mqtts://, ws:// or wss:// URL"))
  ),
  embeddedPort: Schema.optional(Port),
  username: Schema.optional(SettingText(128)),
  password: Schema.optional(SecretSettingText(256)),
  /** PEM files for TLS: the CA that signed the broker, and this station's client certificate and key. */
  caFile: Schema.optional(FilePath),
  certFile: Schema.optional(FilePath),
  keyFile: Schema.optional(FilePath)
})
export type BrokerConfig = typeof BrokerConfig.Type

/**
 * A carrier whose labels come from its web service instead of the station's own number ranges. The service is asked
 * over HTTP for every label; while it cannot be reached the parcel waits as "label pending" and its label prints by
 * itself once the service answers.
 */
export const CarrierConfig = Schema.Struct({
  type: Schema.Literal("api"),
  /** http:// or https://; shipments are `POST <baseUrl>/shipments`. */
  baseUrl: Schema.String.check(ServerUrl(/^https?:\/\/\S+$/, "an http:// or https:// URL")),
  /** The environment variable that holds the service's API key (sent as `Authorization: Bearer`), never the key. */
  apiKeyEnv: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_]*$/))),
  /** Budget for one request, after which the service counts as unreachable. */
  timeoutMs: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 120_000 })))
})
export type CarrierConfig = typeof CarrierConfig.Type

/** A carrier adapter the station runs with: an API carrier's settings, its key read from the environment. */
export interface ResolvedApiCarrier {
  readonly type: "api"
  readonly baseUrl: string
  readonly apiKey?: string
  readonly apiKeyEnv?: string
  readonly timeoutMs: number
}

export const DEFAULT_CARRIER_TIMEOUT_MS = 5_000

const Hour = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 23 }))
const TransitDays = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 60 }))
const day = 86_400_000

/**
 * What a shop sets about its customer mail: when none goes out, when the feedback request follows delivery, when a
 * silent carrier counts as a delay, and how many business days each carrier and service take. Absent fields keep the
 * hub's defaults (README).
 */
export const NotifyConfig = Schema.Struct({
  /** Local hours without mail, [startHour, endHour) wrapping midnight (21 → 8); equal hours mean none. */
  quietHours: Schema.optional(Schema.Struct({ startHour: Hour, endHour: Hour })),
  /** How long after the delivered scan the feedback request goes out ("72h"). */
  feedbackDelay: Schema.optional(DurationText({ minMs: 0, maxMs: 30 * day })),
  /** A parcel on its way with no carrier scan for this long gets a delay alert ("48h"). */
  noScanAlert: Schema.optional(DurationText({ minMs: 60_000, maxMs: 30 * day })),
  /** A handover batch with no carrier scan of any of its parcels this long after the handover alerts the manager. */
  pickupAlert: Schema.optional(DurationText({ minMs: 3_600_000, maxMs: 7 * day })),
  /** How long the hub waits for every station's answer to a customer's address correction ("60m"). */
  correctionAnswerWait: Schema.optional(DurationText({ minMs: 60_000, maxMs: 7 * day })),
  /** Business days in transit by carrier id and service level (`*`: the carrier's other services). */
  transitDays: Schema.optional(
    Schema.Record(
      Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/)),
      Schema.Record(Schema.String.check(Schema.isPattern(/^(\*|[a-z0-9][a-z0-9-]{0,31})$/)), TransitDays)
    )
  ),
  /** Transit days for a carrier the table does not know. */
  defaultTransitDays: Schema.optional(TransitDays),
  /** The hub mails "thank you for your order"; off by default, since the shop that took the order already did. */
  orderConfirmations: Schema.optional(Schema.Boolean),
  /** The hub tells the customer (de/en) that an order was cancelled; off by default, the shop usually does. */
  cancellationNotice: Schema.optional(Schema.Boolean)
})
export type NotifyConfig = typeof NotifyConfig.Type

/** The notify settings a shop set, in the units the hub computes with; what is absent keeps the hub's default. */
export interface NotifyOverrides {
  readonly quietHours?: { readonly startHour: number; readonly endHour: number }
  readonly feedbackDelayMs?: number
  readonly noScanAlertMs?: number
  readonly pickupAlertMs?: number
  readonly correctionAnswerWaitMs?: number
  readonly transitDays?: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly defaultTransitDays?: number
  readonly orderConfirmations?: boolean
  readonly cancellationNotice?: boolean
}

export const resolveNotifyConfig = (config: NotifyConfig | undefined): NotifyOverrides => {
  const feedbackDelayMs = config?.feedbackDelay === undefined ? undefined : parseDuration(config.feedbackDelay)
  const noScanAlertMs = config?.noScanAlert === undefined ? undefined : parseDuration(config.noScanAlert)
  const pickupAlertMs = config?.pickupAlert === undefined ? undefined : parseDuration(config.pickupAlert)
  const correctionAnswerWaitMs =
    config?.correctionAnswerWait === undefined ? undefined : parseDuration(config.correctionAnswerWait)
  return {
    ...(config?.quietHours === undefined ? {} : { quietHours: config.quietHours }),
    ...(feedbackDelayMs === undefined ? {} : { feedbackDelayMs }),
    ...(noScanAlertMs === undefined ? {} : { noScanAlertMs }),
    ...(pickupAlertMs === undefined ? {} : { pickupAlertMs }),
    ...(correctionAnswerWaitMs === undefined ? {} : { correctionAnswerWaitMs }),
    ...(config?.transitDays === undefined ? {} : { transitDays: config.transitDays }),
    ...(config?.defaultTransitDays === undefined ? {} : { defaultTransitDays: config.defaultTransitDays }),
    ...(config?.orderConfirmations === undefined ? {} : { orderConfirmations: config.orderConfirmations }),
    ...(config?.cancellationNotice === undefined ? {} : { cancellationNotice: config.cancellationNotice })
  }
}

/**
 * The notification hub run inside the station process (the one-machine default). A fleet runs `packbench hub` on its
 * own instead and sets `embedded: false` on every station.
 */
export const HubConfig = Schema.Struct({
  embedded: Schema.optional(Schema.Boolean),
  /** smtp:// or smtps://; absent: mails are written as .eml files to `<dataDir>/hub/mail`. */
  smtpUrl: Schema.optional(Schema.String.check(ServerUrl(/^smtps?:\/\/\S+$/, "an smtp:// or smtps:// URL"))),
  port: Schema.optional(Port),
  publicUrl: Schema.optional(Schema.String.check(ServerUrl(/^https?:\/\/\S+$/, "an http:// or https:// URL"))),
  /** Where a station of a fleet (embedded: false) asks the hub for the Manager screen's customer figures. */
  url: Schema.optional(
    Schema.String.check(ServerUrl(/^https?:\/\/\S+[^/\s]$/, "an http:// or https:// URL without a trailing /"))
  ),
  /** postgres://user:password@host:port/database; absent: a SQLite file in `<dataDir>/hub`. */
  databaseUrl: Schema.optional(
    Schema.String.check(
      Schema.makeFilter(
        (text: string) =>
          settingTextProblem(text, 2048, { secret: true }) ??
          (/^postgres(ql)?:\/\/\S+$/.test(text)
            ? undefined
            : // It may hold the database's password: only its scheme is repeated.
              `expected a postgres:// or postgresql:// URL, got ${/^[a-z][a-z0-9+.-]{0,20}:/i.exec(text)?.[0] ?? "no scheme"}… (not shown: it may hold a password)`)
      )
    )
  ),
  /**
   * The bearer token the hub's `/metrics` and `/metrics.csv` ask for, and the station sends (checked where it is used,
   * so no error message ever repeats it); absent: the embedded hub makes one on first start in
   * `<dataDir>/hub/metrics-token`.
   */
  metricsToken: Schema.optional(SecretSettingText(512)),
  /** Days the hub keeps each station event's EPCIS view (by event time) for `GET /epcis`; older ones are pruned. */
  epcisRetentionDays: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 36_500 }))),
  notify: Schema.optional(NotifyConfig),
  /** The shop connectors the hub runs (README, "Shop connectors"). */
  shops: Schema.optional(ShopsConfig)
})
export type HubConfig = typeof HubConfig.Type

/**
 * The station's configuration file (`packbench.config.json`), every field optional: a station with no file runs on
 * embedded defaults. Environment variables override single fields (see README).
 */
export const TimeConfig = Schema.Struct({
  /** An NTP server (`host`, `host:port`, `[v6]:port`) asked for the wall clock's offset, which every event records. */
  ntpServer: Schema.optional(
    Schema.String.check(
      Schema.isMaxLength(261),
      Schema.isPattern(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/),
      Schema.makeFilter((text: string) => {
        const port = /:(\d{1,5})$/.exec(text)?.[1]
        return port === undefined ? undefined : serverPortProblem(Number(port))
      })
    )
  ),
  /** How often to ask, in seconds (at least 16, as NTP's own minimum poll). */
  ntpIntervalSeconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 16, maximum: 86_400 })))
})
export type TimeConfig = typeof TimeConfig.Type

/**
 * How this station shares the number ranges of the fleet (carriers' tracking numbers, SSCC serial references): every
 * range is cut into `stations` equal blocks and this station issues only from block `stationIndex`. Give every
 * station that shares the carrier accounts and the GS1 company prefix its own index; keep `stations` for the fleet's
 * life (changing it moves every block).
 */
export const NumberingConfig = Schema.Struct({
  stationIndex: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 999 })),
  stations: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 }))
}).check(
  Schema.makeFilter((numbering) =>
    numbering.stationIndex < numbering.stations
      ? undefined
      : `stationIndex ${numbering.stationIndex} must be below stations (${numbering.stations}): indexes count from 0`
  )
)
export type NumberingConfig = typeof NumberingConfig.Type

export const StationConfig = Schema.Struct({
  station: Schema.optional(
    Schema.Struct({
      siteId: Schema.optional(StationCode),
      stationId: Schema.optional(StationCode),
      name: Schema.optional(SettingText(64)),
      locale: Schema.optional(Locale),
      /** The site's IANA time zone: times printed for people (manifests) are local to it. */
      timeZone: Schema.optional(TimeZoneName)
    })
  ),
  dataDir: Schema.optional(FilePath),
  http: Schema.optional(Schema.Struct({ host: Schema.optional(ListenHost), port: Schema.optional(Port) })),
  broker: Schema.optional(BrokerConfig),
  scanners: Schema.optional(Schema.Array(ScannerConfig)),
  scales: Schema.optional(Schema.Array(ScaleConfig)),
  cameras: Schema.optional(
    Schema.Array(CameraConfig).check(
      Schema.makeFilter((cameras) => {
        const ids = cameras.map((camera) => camera.id)
        const twice = ids.find((id, index) => ids.indexOf(id) !== index)
        return twice === undefined ? undefined : `camera id "${twice}" is listed twice: every camera needs its own id`
      })
    )
  ),
  evidence: Schema.optional(EvidenceConfig),
  /** The manager's card of cancellations by hand shows the closes of the last `closesShownDays` days. */
  carrierCancellations: Schema.optional(
    Schema.Struct({ closesShownDays: Schema.optional(BoundedInt(1, Bounds.maxDays)) })
  ),
  epcis: Schema.optional(EpcisConfig),
  printers: Schema.optional(
    Schema.Struct({ label: Schema.optional(PrinterConfig), receipt: Schema.optional(PrinterConfig) })
  ),
  fixtures: Schema.optional(Schema.Struct({ loadOnFirstStart: Schema.optional(Schema.Boolean) })),
  /**
   * The simulated devices of a demo bench: with `scaleFollowsPack` a simulated scale shows the weight of the parcel
   * on the bench (items and box, a few grams off) once the Pack screen asks to weigh it, and empties when the parcel
   * is done. Off by default; `npm start` turns it on.
   */
  simulation: Schema.optional(Schema.Struct({ scaleFollowsPack: Schema.optional(Schema.Boolean) })),
  hub: Schema.optional(HubConfig),
  /** By carrier id (`dhl-paket`, ...): carriers not listed issue their labels offline from the station's ranges. */
  carriers: Schema.optional(Schema.Record(Schema.String, CarrierConfig)),
  time: Schema.optional(TimeConfig),
  numbering: Schema.optional(NumberingConfig)
})
export type StationConfig = typeof StationConfig.Type

/** The configuration with every default filled in: what the station actually runs with. */
export interface ResolvedConfig {
  readonly configFile: string | undefined
  readonly station: {
    readonly siteId?: string
    readonly stationId?: string
    readonly name: string
    readonly locale: Locale
    readonly timeZone: string
  }
  readonly dataDir: string
  readonly http: { readonly host: string; readonly port: number }
  readonly broker: BrokerConfig
  readonly scanners: ReadonlyArray<ScannerConfig>
  readonly scales: ReadonlyArray<ScaleConfig>
  /** None by default: without a camera, parcels record no evidence photo. */
  readonly cameras: ReadonlyArray<CameraConfig>
  readonly evidence: { readonly photoRetentionDays: number }
  readonly carrierCancellations: { readonly closesShownDays: number }
  readonly epcis: { readonly siteLocation?: string | undefined; readonly readPoint?: string | undefined }
  readonly printers: { readonly label: PrinterConfig; readonly receipt: PrinterConfig }
  readonly fixtures: { readonly loadOnFirstStart: boolean }
  readonly simulation: { readonly scaleFollowsPack: boolean }
  readonly hub: {
    readonly embedded: boolean
    readonly smtpUrl?: string
    /** Absent: the embedded hub takes a free port, `packbench hub` its --port or 8790. */
    readonly port?: number
    readonly publicUrl?: string
    readonly url?: string
    readonly databaseUrl?: string
    readonly metricsToken?: string
    readonly epcisRetentionDays: number
    readonly notify: NotifyOverrides
    readonly shops?: ShopsConfig
  }
  /** The API carriers by carrier id; every other carrier is an offline one. */
  readonly carriers: Readonly<Record<string, ResolvedApiCarrier>>
  /** Without an NTP server the station records no NTP offset: it does not know one. */
  readonly time: { readonly ntpServer?: string; readonly ntpIntervalMs: number }
  /** This station's block of every number range; `configured: false` for a station on its own (the whole range). */
  readonly numbering: { readonly stationIndex: number; readonly stations: number; readonly configured: boolean }
}

export const DEFAULT_HTTP_PORT = 8787
export const DEFAULT_EMBEDDED_BROKER_PORT = 1883
