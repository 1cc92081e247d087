/** Runs the notification hub inside the station process for a one-machine setup. */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Cause, Deferred, Effect, Exit, Layer } from "effect"
import type { ResolvedConfig } from "../../../core/config/StationConfig.ts"
import { localLogin } from "../../../drivers/mqtt/BrokerLogins.ts"
import { layerMqttBroker, makeMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { SystemClockLayer, systemClock } from "../../../drivers/time/SystemClock.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { withNotifyOverrides } from "../../core/notify/NotifySettings.ts"
import { shopHubOptionsFrom } from "../connectors/makeShopConnectors.ts"
import { layerHttpWebhookSender } from "../mail/HttpWebhookSender.ts"
import { layerMailDropMailer } from "../mail/MailDropMailer.ts"
import { layerSmtpMailer } from "../mail/SmtpMailer.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { hubLayer, runHub } from "./Hub.ts"
import { defaultHubDatabase, describeHubDatabase, type HubDatabase } from "./HubDatabase.ts"
import { metricsTokenFor } from "./MetricsToken.ts"

/** The carriers' webhook secret of this hub: generated once and kept beside the hub database. */
const webhookSecret = (dir: string) => {
  const file = join(dir, "webhook-secret")
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString("hex"), { mode: 0o600 })
  return readFileSync(file, "utf8").trim()
}

/**
 * The notification hub inside the station process, for one machine with no setup: its own database under
 * `<dataDir>/hub` (or the PostgreSQL database `hub.databaseUrl` names), a consumer on the station's broker, mail through SMTP when configured and into `<dataDir>/hub/mail`
 * otherwise, and the carrier webhook and tracking pages on loopback. It runs in the caller's scope: closing that scope
 * stops it. Succeeds with the hub's URL once it serves, or fails with why it did not start.
 */
export const embeddedHub = (config: ResolvedConfig, brokerUrl: string, log: (line: string) => void) =>
  Effect.gen(function* () {
    const dataDir = join(config.dataDir, "hub")
    const host = config.http.host
    const prepared = yield* Effect.tryPromise({
      try: async () => {
        mkdirSync(dataDir, { recursive: true })
        // The mails link to the tracking pages, so the port must be known before the hub starts.
        return {
          secret: webhookSecret(dataDir),
          metricsToken: metricsTokenFor(config.hub.metricsToken, join(dataDir, "metrics-token")),
          port: config.hub.port === undefined || config.hub.port === 0 ? await freePort(host) : config.hub.port,
          // The station made the embedded broker's logins on its start; on a fleet broker, the one `hub add-login` made.
          login: localLogin("hub", config.dataDir, process.env),
          // Only the shop side may publish the stations' shop inbox messages: the connectors log in as it.
          shopLogin: localLogin("shop", config.dataDir, process.env)
        }
      },
      catch: (error) =>
        new Error(
          `The embedded notification hub did not start: ${error instanceof Error ? error.message : String(error)}`
        )
    })
    const { secret, metricsToken, port, login, shopLogin } = prepared
    const defaults = HubSettings.defaults(config.hub.publicUrl ?? `http://${host}:${port}`)
    const settings = {
      ...defaults,
      notify: withNotifyOverrides(defaults.notify, config.hub.notify),
      epcis: { retentionDays: config.hub.epcisRetentionDays, timeZone: config.station.timeZone }
    }
    const database: HubDatabase =
      config.hub.databaseUrl === undefined
        ? defaultHubDatabase(dataDir)
        : { dialect: "postgres", url: config.hub.databaseUrl }
    // The shop connectors run beside the hub, with the shop side's own broker login (issue #13's boundary).
    const shopOptions = yield* Effect.try({
      try: () =>
        config.hub.shops === undefined
          ? undefined
          : shopHubOptionsFrom(config.hub.shops, process.env, process.cwd(), log, systemClock),
      catch: (error) =>
        new Error(
          `The embedded notification hub did not start: ${error instanceof Error ? error.message : String(error)}`
        )
    })
    const shops =
      shopOptions === undefined
        ? undefined
        : {
            options: shopOptions,
            broker: makeMqttBroker({
              url: brokerUrl,
              clientId: `packbench-shop-connectors-${config.station.stationId ?? "embedded"}`,
              protocolVersion: config.broker.url === undefined ? (4 as const) : (5 as const),
              ...(shopLogin === undefined ? {} : shopLogin)
            })
          }
    const options = {
      dataDir,
      database,
      settings,
      http: { host, port, webhookSecret: secret, metricsToken },
      ...(shops === undefined ? {} : { shops })
    }
    const mailDir = join(dataDir, "mail")
    const layer = hubLayer(options).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          layerMqttBroker({
            url: brokerUrl,
            clientId: `packbench-hub-${config.station.stationId ?? "embedded"}`,
            protocolVersion: config.broker.url === undefined ? 4 : 5,
            ...(login === undefined ? {} : login)
          }),
          config.hub.smtpUrl === undefined
            ? layerMailDropMailer(mailDir)
            : layerSmtpMailer({ url: config.hub.smtpUrl }),
          // It posts no notification webhooks (no URL to post to); should it ever, never with the carriers' secret,
          // which would let the receiver forge their scans (see hubCommand).
          layerHttpWebhookSender({ secret: randomBytes(32).toString("hex") }).pipe(Layer.provide(SystemClockLayer)),
          CryptoTrackingTokensLayer,
          SystemClockLayer
        )
      )
    )
    const started = yield* Deferred.make<string, unknown>()
    // The hub's own services (its database, its broker client) live in a scope of their own inside the caller's.
    yield* Effect.forkScoped(
      Effect.scoped(
        Effect.gen(function* () {
          const http = yield* runHub(options)
          yield* Deferred.succeed(started, http.url)
          return yield* Effect.never
        })
      ).pipe(
        Effect.provide(layer),
        Effect.onExit((exit) => (Exit.isFailure(exit) ? Deferred.failCause(started, exit.cause) : Effect.void))
      )
    )
    const url = yield* Deferred.await(started).pipe(
      Effect.catchCause((cause) =>
        Effect.fail(new Error(`The embedded notification hub did not start: ${String(Cause.squash(cause))}`))
      )
    )
    log(
      `Notification hub: tracking pages and carrier webhook on ${url}; mail ${config.hub.smtpUrl ?? `written to ${mailDir}`}; ` +
        `database ${describeHubDatabase(database)}`
    )
    return { url, metricsToken }
  })
