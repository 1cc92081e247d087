/** Which notification hub the station reads customer figures from: embedded, the fleet's, or none. */
import { Context, Effect, Layer } from "effect"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { embeddedHub } from "../../hub/drivers/server/EmbeddedHub.ts"
import { StationBroker } from "./StationBroker.ts"

/**
 * The notification hub this station reads its customer figures from: the one it embeds (started on its broker, in
 * its scope) or the fleet's at `hub.url`, or none; and the token its figures ask for (the embedded hub's own, or
 * `hub.metricsToken` for the fleet's).
 */
export class StationHub extends Context.Service<
  StationHub,
  { readonly url: string | undefined; readonly metricsToken: string | undefined }
>()("packbench/drivers/station/StationHub") {
  static readonly layer = (config: ResolvedConfig, log: (line: string) => void) =>
    Layer.effect(
      StationHub,
      config.hub.embedded
        ? Effect.gen(function* () {
            const broker = yield* StationBroker
            return StationHub.of(yield* embeddedHub(config, broker.url, log))
          })
        : Effect.succeed(StationHub.of({ url: config.hub.url, metricsToken: config.hub.metricsToken }))
    )
}
