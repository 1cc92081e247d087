import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Deferred, Effect, Fiber, Layer } from "effect"
import type { ResolvedConfig } from "../../../core/config/StationConfig.ts"
import { layerMqttBroker, makeMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { SystemClockLayer } from "../../../drivers/time/SystemClock.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { withNotifyOverrides } from "../../core/notify/NotifySettings.ts"
import { shopHubOptionsFrom } from "../connectors/makeShopConnectors.ts"
import { layerHttpWebhookSender } from "../mail/HttpWebhookSender.ts"
import { layerMailDropMailer } from "../mail/MailDropMailer.ts"
import { layerSmtpMailer } from "../mail/SmtpMailer.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { hubLayer, runHub } from "./Hub.ts"
import { defaultHubDatabase, describeHubDatabase, type HubDatabase } from "./HubDatabase.ts"

/** The carriers' webhook secret of this hub: generated once and kept beside the hub database. */
const webhookSecret = (dir: string) => {
  const file = join(dir, "webhook-secret")
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString("hex"), { mode: 0o600 })
  return readFileSync(file, "utf8").trim()
}

/**
 * The notification hub inside the station process, for one machine with no setup: its own database under
 * `<dataDir>/hub` (or the PostgreSQL database `hub.databaseUrl` names), a consumer on the station's broker, mail through SMTP when configured and into `<dataDir>/hub/mail`
 * otherwise, and the carrier webhook and tracking pages on loopback.
 */
export const startEmbeddedHub = async (config: ResolvedConfig, brokerUrl: string, log: (line: string) => void) => {
  const dataDir = join(config.dataDir, "hub")
  mkdirSync(dataDir, { recursive: true })
  const secret = webhookSecret(dataDir)
  const host = config.http.host
  // The mails link to the tracking pages, so the port must be known before the hub starts.
  const port = config.hub.port === 0 ? await freePort(host) : config.hub.port
  const defaults = HubSettings.defaults(config.hub.publicUrl ?? `http://${host}:${port}`)
  const settings = { ...defaults, notify: withNotifyOverrides(defaults.notify, config.hub.notify) }
  const database: HubDatabase =
    config.hub.databaseUrl === undefined
      ? defaultHubDatabase(dataDir)
      : { dialect: "postgres", url: config.hub.databaseUrl }
  const shops =
    config.hub.shops === undefined
      ? undefined
      : {
          options: shopHubOptionsFrom(config.hub.shops, process.env, process.cwd(), log),
          broker: makeMqttBroker({
            url: brokerUrl,
            clientId: `packbench-shop-connectors-${config.station.stationId ?? "embedded"}`,
            protocolVersion: config.broker.url === undefined ? (4 as const) : (5 as const),
            ...(process.env.PACKBENCH_SHOP_BROKER_USERNAME === undefined
              ? {}
              : { username: process.env.PACKBENCH_SHOP_BROKER_USERNAME }),
            ...(process.env.PACKBENCH_SHOP_BROKER_PASSWORD === undefined
              ? {}
              : { password: process.env.PACKBENCH_SHOP_BROKER_PASSWORD })
          })
        }
  const options = {
    dataDir,
    database,
    settings,
    http: { host, port, webhookSecret: secret },
    ...(shops === undefined ? {} : { shops })
  }
  const mailDir = join(dataDir, "mail")
  const layer = hubLayer(options).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerMqttBroker({
          url: brokerUrl,
          clientId: `packbench-hub-${config.station.stationId ?? "embedded"}`,
          protocolVersion: config.broker.url === undefined ? 4 : 5
        }),
        config.hub.smtpUrl === undefined ? layerMailDropMailer(mailDir) : layerSmtpMailer({ url: config.hub.smtpUrl }),
        layerHttpWebhookSender({ secret }),
        CryptoTrackingTokensLayer,
        SystemClockLayer
      )
    )
  )
  const started = Deferred.makeUnsafe<string, unknown>()
  const fiber = Effect.runFork(
    Effect.scoped(
      Effect.gen(function* () {
        const http = yield* runHub(options)
        yield* Deferred.succeed(started, http.url)
        return yield* Effect.never
      })
    ).pipe(
      Effect.provide(layer),
      Effect.tapCause((cause) => Deferred.failCause(started, cause))
    )
  )
  const url = await Effect.runPromise(Deferred.await(started)).catch((error: unknown) => {
    throw new Error(`The embedded notification hub did not start: ${String(error)}`)
  })
  log(
    `Notification hub: tracking pages and carrier webhook on ${url}; mail ${config.hub.smtpUrl ?? `written to ${mailDir}`}; ` +
      `database ${describeHubDatabase(database)}`
  )
  return { url, close: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => undefined) }
}
