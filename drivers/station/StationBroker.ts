/** The broker a station syncs over (configured or embedded), and the station's MQTT link to it. */
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { BROKER_USERS_FILE, type BrokerLogin, ensureEmbeddedLogins, readBrokerLogins } from "../mqtt/BrokerLogins.ts"
import { startEmbeddedBroker } from "../mqtt/EmbeddedBroker.ts"
import { layerStationLink } from "../mqtt/StationLink.ts"
import { loadBrokerTls } from "./brokerTls.ts"
import { releaseLogged } from "./releaseLogged.ts"

const embeddedBrokerFailure = (config: ResolvedConfig) => (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code
  return new Error(
    code === "EADDRINUSE"
      ? `The embedded MQTT broker cannot listen on 127.0.0.1:${config.broker.embeddedPort}: the port is in use. Set broker.embeddedPort (or PACKBENCH_EMBEDDED_BROKER_PORT), or point broker.url at the broker that runs there.`
      : `The embedded MQTT broker did not start: ${(error as Error).message}`
  )
}

/**
 * The broker the station syncs over: the configured one, or with none configured the embedded aedes broker, which
 * this layer starts on loopback and stops when its scope closes.
 */
export class StationBroker extends Context.Service<
  StationBroker,
  { readonly url: string; readonly embedded: boolean }
>()("packbench/drivers/station/StationBroker") {
  static readonly layer = (config: ResolvedConfig, log: (line: string) => void) =>
    Layer.effect(
      StationBroker,
      Effect.gen(function* () {
        if (config.broker.url !== undefined) return StationBroker.of({ url: config.broker.url, embedded: false })
        const broker = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              startEmbeddedBroker({
                host: "127.0.0.1",
                port: config.broker.embeddedPort ?? 1883,
                // Every client logs in: the station, the embedded hub and the local shop with the logins made on
                // first start (`ensureEmbeddedLogins`), anyone else with a login added to the same table.
                access: { kind: "users", usersFile: join(config.dataDir, BROKER_USERS_FILE) },
                log
              }),
            catch: embeddedBrokerFailure(config)
          }),
          (started) => releaseLogged(log, () => started.close())
        )
        log(`Embedded MQTT broker (aedes) listening on ${broker.url}`)
        return StationBroker.of({ url: broker.url, embedded: true })
      })
    )

  /**
   * The station's own MQTT link to that broker, with the client certificates of its config and its login: the one
   * its config names, else the one made on first start for the embedded broker, else the one `packbench station
   * enroll` installed (none: a broker that knows the station by its certificate). MQTT 3.1.1 to the embedded
   * broker (aedes has no MQTT 5), MQTT 5 to any other.
   */
  static readonly link = (config: ResolvedConfig) =>
    Layer.unwrap(
      Effect.gen(function* () {
        const broker = yield* StationBroker
        const identity = yield* StationIdentity
        const tls = yield* Effect.try({
          try: () => loadBrokerTls(config.broker),
          catch: (error) => (error instanceof Error ? error : new Error(String(error)))
        })
        const login = yield* Effect.tryPromise({
          try: () => stationLogin(config, broker.embedded, identity),
          catch: (error) => new Error(`The station's broker login cannot be set up: ${String(error)}`)
        })
        return layerStationLink({
          url: broker.url,
          protocolVersion: broker.embedded ? 4 : 5,
          ...(login === undefined ? {} : login),
          ...tls
        })
      })
    )
}

const stationLogin = async (
  config: ResolvedConfig,
  embedded: boolean,
  identity: { readonly siteId: string; readonly stationId: string }
): Promise<Partial<BrokerLogin> | undefined> => {
  if (config.broker.username !== undefined) {
    return {
      username: config.broker.username,
      ...(config.broker.password === undefined ? {} : { password: config.broker.password })
    }
  }
  if (embedded) return (await ensureEmbeddedLogins(config.dataDir, identity)).station
  return readBrokerLogins(config.dataDir).station
}
