/** The `packbench hub` command: runs the notification hub until stopped. */
import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { Cause, Effect, Layer } from "effect"
import { oneLine, quotedOneLine } from "../../../core/bounds/oneLine.ts"
import { isListenHost, withoutPassword } from "../../../core/config/ServerAddress.ts"
import type { NotifyOverrides, ResolvedConfig } from "../../../core/config/StationConfig.ts"
import { StoreError } from "../../../core/store/Sql.ts"
import { type Command, writeLine } from "../../../drivers/cli/Command.ts"
import { listenPortProblem, parseFlags } from "../../../drivers/cli/parseFlags.ts"
import { runUntilSignal } from "../../../drivers/cli/runUntilSignal.ts"
import { localLogin } from "../../../drivers/mqtt/BrokerLogins.ts"
import { layerMqttBroker, makeMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import { listenHostProblem } from "../../../drivers/net/listenHostProblem.ts"
import { serverUrlProblem } from "../../../drivers/net/serverUrlProblem.ts"
import { ConfigError, loadConfig } from "../../../drivers/station/loadConfig.ts"
import { SystemClockLayer, systemClock } from "../../../drivers/time/SystemClock.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { withNotifyOverrides } from "../../core/notify/NotifySettings.ts"
import type { ShopHubOptions } from "../../core/shop/ShopHub.ts"
import { CredentialsError } from "../connectors/ConnectorCredentials.ts"
import { ShopConfigError, shopHubOptionsFrom } from "../connectors/makeShopConnectors.ts"
import { shopsDoctor } from "../connectors/shopsDoctor.ts"
import { layerHttpWebhookSender } from "../mail/HttpWebhookSender.ts"
import { layerSmtpMailer } from "../mail/SmtpMailer.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { makeHttpCarrierPoller } from "./HttpCarrierPoller.ts"
import { hubLayer, runHub } from "./Hub.ts"
import { defaultHubDatabase, describeHubDatabase, parseHubDatabase } from "./HubDatabase.ts"
import { addLogin, addStation } from "./hubLoginCommands.ts"
import { hubStatus } from "./hubStatusCommand.ts"
import { MetricsTokenError, metricsTokenFor } from "./MetricsToken.ts"
import {
  layerSharedSubscription,
  sharedGapGraceMs,
  sharedSessionExpirySeconds,
  sharedSubscriptionsRoutable
} from "./SharedSubscriptionBroker.ts"

/**
 * Runs the notification hub until SIGINT/SIGTERM. Secrets come from the environment, never argv (which `ps`
 * shows to every user): PACKBENCH_HUB_WEBHOOK_SECRET signs carrier webhooks, PACKBENCH_HUB_NOTIFY_SECRET (another
 * one, needed with --notify-webhook) signs outgoing notification webhooks.
 */
export const hubCommand: Command = {
  name: "hub",
  usage:
    "hub [doctor|status|add-station|add-login ...] [--config FILE] [--broker URL] [--data-dir DIR] [--db postgres://…|FILE] [--smtp smtp://host:port] [--host HOST] [--port N] [--carrier-feeds CARRIER=URL,...]",
  summary:
    "run the notification hub: station events → customer mail, carrier webhook, tracking pages; doctor: check the shop connectors; status: every station's lag; add-station, add-login: grant broker logins",
  run: async (argv, io) => {
    if (argv[0] === "add-station") return addStation(argv.slice(1), io)
    if (argv[0] === "add-login") return addLogin(argv.slice(1), io)
    if (argv[0] === "status") return hubStatus(argv.slice(1), io)
    const flags = parseFlags(argv, {
      config: "string",
      broker: "string",
      "data-dir": "string",
      db: "string",
      smtp: "string",
      port: "string",
      host: "string",
      "public-url": "string",
      "notify-webhook": "string",
      "shared-group": "string",
      "carrier-feeds": "string",
      mqtt5: "boolean"
    })
    const fail = async (message: string, code: number) => {
      await writeLine(io.stderr, `packbench hub: ${message}`)
      if (code === 2) await writeLine(io.stderr, `usage: packbench ${hubCommand.usage}`)
      return code
    }
    if (!flags.ok) return fail(flags.message, 2)
    const doctor = flags.positional[0] === "doctor"
    if (flags.positional.length > (doctor ? 1 : 0)) return fail(`unexpected ${flags.positional.join(" ")}`, 2)
    const values = flags.values
    // The shop connectors and the mail timing come from the same config file and variables a station reads; the shop
    // connectors' credentials from the environment or 0600 files it names. A setting that cannot be used stops the
    // hub with one line naming it, before anything is created.
    // PACKBENCH_HUB_DATABASE_URL is read here, not as the config's hub.databaseUrl: it may name a SQLite file too.
    const { PACKBENCH_HUB_DATABASE_URL: databaseVariable, ...configEnv } = io.env
    let loaded: ResolvedConfig
    let shopOptions: ShopHubOptions | undefined
    try {
      loaded = loadConfig({ cwd: io.cwd, env: configEnv, configFile: values.config })
      const shopsConfig = loaded.hub.shops
      shopOptions =
        shopsConfig === undefined
          ? undefined
          : shopHubOptionsFrom(shopsConfig, io.env, io.cwd, (line) => void writeLine(io.stderr, line), systemClock)
    } catch (error) {
      if (error instanceof ConfigError || error instanceof ShopConfigError || error instanceof CredentialsError) {
        return fail(error.message, 1)
      }
      throw error
    }
    if (doctor) return shopsDoctor(shopOptions?.connectors ?? [], io)
    const portText = values.port ?? String(loaded.hub.port ?? 8790)
    const portProblem = listenPortProblem(portText)
    if (portProblem !== undefined) return fail(portProblem, 2)
    const port = Number(portText)
    const webhookSecret = io.env.PACKBENCH_HUB_WEBHOOK_SECRET
    if (webhookSecret === undefined || webhookSecret.length < 16) {
      return fail("set PACKBENCH_HUB_WEBHOOK_SECRET (16+ characters) to the secret carriers sign webhooks with", 1)
    }
    const notifyWebhook = values["notify-webhook"]
    if (notifyWebhook !== undefined && (!/^https?:\/\//.test(notifyWebhook) || !URL.canParse(notifyWebhook))) {
      return fail(`--notify-webhook: ${quotedOneLine(withoutPassword(notifyWebhook))} is not an http(s):// URL`, 2)
    }
    // Outgoing webhooks are signed the way carriers sign theirs (WebhookSignature): with the carriers' secret, the shop
    // system that checks them could forge a carrier's "delivered", which mails the customer. Without --notify-webhook
    // nothing is signed, and a key no one holds stands in.
    const notifySecret = io.env.PACKBENCH_HUB_NOTIFY_SECRET
    if (notifySecret !== undefined && (notifySecret.length < 16 || notifySecret === webhookSecret)) {
      return fail(
        "PACKBENCH_HUB_NOTIFY_SECRET must have 16+ characters and differ from PACKBENCH_HUB_WEBHOOK_SECRET",
        1
      )
    }
    if (notifyWebhook !== undefined && notifySecret === undefined) {
      return fail(
        "set PACKBENCH_HUB_NOTIFY_SECRET (16+ characters, not the carriers' PACKBENCH_HUB_WEBHOOK_SECRET) to sign the --notify-webhook posts with",
        1
      )
    }
    const group = values["shared-group"]
    if (group !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(group)) {
      return fail(`--shared-group: ${quotedOneLine(group)} is not a group name (1 to 64 letters, digits, - and _)`, 2)
    }
    if (group !== undefined && !sharedSubscriptionsRoutable()) {
      return fail(
        "--shared-group needs the MQTT driver to route $share/<group>/ subscriptions, which this build does not",
        1
      )
    }
    // Tracking feeds to poll besides the webhook: "ups=https://feed.example/ups,dhl-paket=https://…".
    const feeds = (values["carrier-feeds"] ?? "")
      .split(",")
      .filter((entry) => entry.trim() !== "")
      .map((entry) => {
        const at = entry.indexOf("=")
        return { carrier: entry.slice(0, at).trim(), url: entry.slice(at + 1).trim() }
      })
    const badFeed = feeds.find(
      (feed) => feed.carrier === "" || !/^https?:\/\//.test(feed.url) || !URL.canParse(feed.url)
    )
    if (badFeed !== undefined) {
      return fail(
        `--carrier-feeds: ${quotedOneLine(`${badFeed.carrier}=${withoutPassword(badFeed.url)}`)} is not CARRIER=http(s)://URL`,
        2
      )
    }
    const host = values.host ?? "127.0.0.1"
    if (!isListenHost(host)) return fail(`--host: ${quotedOneLine(host)} is not a host name or IP address`, 2)
    const brokerUrl = values.broker ?? "mqtt://127.0.0.1:1883"
    // The flags win over the config's hub.* and the PACKBENCH_HUB_* variables, which win over the defaults.
    const smtpUrl = values.smtp ?? loaded.hub.smtpUrl ?? "smtp://127.0.0.1:25"
    const publicUrl = values["public-url"] ?? loaded.hub.publicUrl
    const badUrl = [
      { flag: "--broker", url: brokerUrl, schemes: ["mqtt", "mqtts", "ws", "wss"] },
      { flag: "--smtp", url: smtpUrl, schemes: ["smtp", "smtps"] },
      ...(publicUrl === undefined ? [] : [{ flag: "--public-url", url: publicUrl, schemes: ["http", "https"] }])
    ]
      .map(({ flag, url, schemes }) => ({ flag, url, problem: serverUrlProblem(url, schemes) }))
      .find(({ problem }) => problem !== undefined)
    if (badUrl !== undefined) {
      const problem = badUrl.problem ?? ""
      // A message goes to a log: a password in the URL's user part is left out.
      return fail(
        `${badUrl.flag}: ${quotedOneLine(withoutPassword(badUrl.url))}${problem.startsWith("is ") ? " " : ": "}${problem}`,
        2
      )
    }
    // An empty variable is mostly one that was not set: taken for the default, it would put the hub's database in the
    // working directory; taken for a path, in the working directory itself.
    if (values["data-dir"] === undefined && io.env.PACKBENCH_HUB_DATA_DIR === "") {
      return fail("PACKBENCH_HUB_DATA_DIR is set but empty: name the hub's data dir, or unset it", 2)
    }
    const dataDir = resolve(io.cwd, values["data-dir"] ?? io.env.PACKBENCH_HUB_DATA_DIR ?? "./.packbench-hub")
    // A database URL carries a password: PACKBENCH_HUB_DATABASE_URL keeps it out of `ps`.
    const dbSetting =
      values.db !== undefined
        ? { value: values.db, name: "--db" }
        : databaseVariable !== undefined
          ? { value: databaseVariable, name: "PACKBENCH_HUB_DATABASE_URL" }
          : loaded.hub.databaseUrl === undefined
            ? undefined
            : { value: loaded.hub.databaseUrl, name: "hub.databaseUrl" }
    const parsedDb = dbSetting === undefined ? undefined : parseHubDatabase(dbSetting.value, io.cwd, dbSetting.name)
    if (parsedDb !== undefined && !parsedDb.ok) return fail(parsedDb.message, 2)
    const hubConfig = loaded.hub
    const metricsTokenFile = join(dataDir, "metrics-token")
    // The customer figures ask for a token: the configured one (checked before the data dir is made), else the one
    // made in the data dir on first start (mode 0600).
    let metricsToken: string | undefined
    try {
      metricsToken =
        hubConfig.metricsToken === undefined ? undefined : metricsTokenFor(hubConfig.metricsToken, metricsTokenFile)
    } catch (error) {
      if (error instanceof MetricsTokenError) return fail(error.message, 1)
      throw error
    }
    const hostProblem = await listenHostProblem(host, "--host")
    if (hostProblem !== undefined) return fail(hostProblem, 2)
    try {
      mkdirSync(dataDir, { recursive: true })
    } catch (error) {
      return fail(`cannot create the data dir ${dataDir} (--data-dir): ${oneLine((error as Error).message)}`, 1)
    }
    try {
      metricsToken ??= metricsTokenFor(undefined, metricsTokenFile)
    } catch (error) {
      return fail(`cannot use the metrics token in ${metricsTokenFile}: ${oneLine((error as Error).message)}`, 1)
    }
    const chosen = parsedDb?.database ?? defaultHubDatabase(dataDir)
    // A hub of its own: no broker shares its event loop, so SQLite's fsync need not block it.
    const database = chosen.dialect === "sqlite" ? { ...chosen, syncOffLoop: true } : chosen
    const notify: NotifyOverrides = hubConfig.notify
    const epcis = { retentionDays: hubConfig.epcisRetentionDays, timeZone: loaded.station.timeZone }
    const defaults = HubSettings.defaults(publicUrl ?? `http://${host}:${port}`)
    const settings = {
      ...defaults,
      notify: withNotifyOverrides(defaults.notify, notify),
      webhookUrl: notifyWebhook,
      epcis
    }
    // Its own login: PACKBENCH_HUB_BROKER_USERNAME/PASSWORD, else the one `hub add-login --data-dir` installed.
    // The shop connectors' login likewise: PACKBENCH_SHOP_BROKER_USERNAME/PASSWORD, else `hub add-login --role shop`'s.
    let login: ReturnType<typeof localLogin>
    let shopLogin: ReturnType<typeof localLogin>
    try {
      login = localLogin("hub", dataDir, io.env)
      shopLogin = shopOptions === undefined ? undefined : localLogin("shop", dataDir, io.env)
    } catch (error) {
      return fail((error as Error).message, 1)
    }
    const broker = layerMqttBroker({
      url: brokerUrl,
      clientId: io.env.PACKBENCH_HUB_CLIENT_ID ?? "packbench-hub",
      // A shared group speaks MQTT 5: its subscriptions are an MQTT 5 feature, and so is the session expiry below.
      protocolVersion: values.mqtt5 === true || group !== undefined ? 5 : 4,
      // In a shared group the session ends with the connection: mosquitto keeps handing a member whose session
      // outlives it (the default 7 days) its share of the group's messages, parked until it returns, so a dead
      // hub would hold half the stations' events back. What it had in hand the stations resend.
      ...(group === undefined ? {} : { sessionExpirySeconds: sharedSessionExpirySeconds }),
      ...(login === undefined ? {} : login)
    })
    const options = {
      dataDir,
      database,
      // Behind a shared subscription the other hubs apply a station's missing events: give them time first.
      ...(group === undefined ? {} : { consumerGapGraceMs: sharedGapGraceMs }),
      settings,
      http: { host, port, webhookSecret, metricsToken },
      ...(shopOptions === undefined
        ? {}
        : {
            shops: {
              options: shopOptions,
              // The shop side's own login: only it may publish the stations' shop inbox messages.
              broker: makeMqttBroker({
                url: brokerUrl,
                clientId: io.env.PACKBENCH_SHOP_CLIENT_ID ?? "packbench-shop-connectors",
                protocolVersion: values.mqtt5 === true ? 5 : 4,
                ...(shopLogin === undefined ? {} : shopLogin)
              })
            }
          }),
      pollers: feeds.map((feed) =>
        makeHttpCarrierPoller({ carrier: feed.carrier, baseUrl: feed.url, apiKey: io.env.PACKBENCH_HUB_FEED_API_KEY })
      )
    }
    const layer = hubLayer(options).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          group === undefined ? broker : layerSharedSubscription(group).pipe(Layer.provide(broker)),
          layerSmtpMailer({ url: smtpUrl }),
          layerHttpWebhookSender({ secret: notifySecret ?? randomBytes(32).toString("hex") }).pipe(
            Layer.provide(SystemClockLayer)
          ),
          CryptoTrackingTokensLayer,
          SystemClockLayer
        )
      )
    )
    let announced = false
    const exit = await runUntilSignal(
      Effect.scoped(
        Effect.gen(function* () {
          const http = yield* runHub(options)
          announced = true
          yield* Effect.promise(() =>
            writeLine(
              io.stdout,
              `Packbench hub running: broker ${withoutPassword(brokerUrl)}, SMTP ${withoutPassword(smtpUrl)}, data ${dataDir}, ` +
                `database ${describeHubDatabase(database)}, links in mails to ${settings.publicBaseUrl}\n` +
                `Carrier webhook: POST ${http.url}/webhooks/carrier · tracking pages: ${http.url}/t/<token>\n` +
                `Customer metrics: ${http.url}/metrics with Authorization: Bearer <token> (${
                  io.env.PACKBENCH_HUB_METRICS_TOKEN !== undefined ? "PACKBENCH_HUB_METRICS_TOKEN" : metricsTokenFile
                })` +
                (shopOptions === undefined || shopOptions.connectors.length === 0
                  ? ""
                  : `\nShop webhooks: ${shopOptions.connectors.map((connector) => `POST ${http.url}/shops/${connector.settings.id}/webhook`).join(", ")}`)
            )
          )
          return yield* Effect.never
        })
        // Provided outside the scope, so the hub's fibers stop before the database and broker close.
      ).pipe(Effect.provide(layer))
    )
    if (exit._tag === "Failure" && !announced) {
      // A refused database (PostgreSQL unreachable, wrong password, unwritable SQLite file) says so in one line.
      const squashed = Cause.squash(exit.cause)
      const code = (squashed as { readonly code?: unknown }).code
      const reason =
        squashed instanceof StoreError
          ? squashed.message
          : code === "EADDRINUSE"
            ? `cannot listen on ${host}:${port}: the port is in use (--port)`
            : squashed instanceof Error
              ? squashed.message
              : String(squashed)
      return fail(`did not start: ${reason}`, 1)
    }
    await writeLine(io.stdout, "Hub stopped.")
    return 0
  }
}
