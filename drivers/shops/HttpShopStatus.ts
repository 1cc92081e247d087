import { Effect, Layer, Schema } from "effect"
import { ShopStatus } from "../../core/shops/ShopStatus.ts"
import { ShopStatusSource, ShopsUnavailable } from "../../core/shops/ShopStatusSource.ts"

const timeoutMs = 10_000
const Decided = Schema.Struct({ ok: Schema.Boolean, message: Schema.String })

/**
 * Asks a hub's HTTP server for the Shop card (`GET /shops/status`) and sends a manager's decision
 * (`POST /shops/pushes/decision`). `hubUrl` is read at each call: the embedded hub starts after the station's services.
 */
export const layerHttpShopStatus = (hubUrl: () => string | undefined) => {
  const request = (path: string, init?: RequestInit) =>
    Effect.gen(function* () {
      const base = hubUrl()
      if (base === undefined) {
        return yield* new ShopsUnavailable({
          reason: "NoHub",
          message: "This station knows no notification hub: set hub.url in the station's configuration"
        })
      }
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(`${base}${path}`, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }),
        catch: (error) =>
          new ShopsUnavailable({ reason: "Unreachable", message: `The hub at ${base} did not answer: ${error}` })
      })
      const body = yield* Effect.tryPromise({
        try: () => response.text(),
        catch: (error) =>
          new ShopsUnavailable({ reason: "Unreachable", message: `The hub at ${base} broke off: ${error}` })
      })
      return { status: response.status, body }
    })
  const decode = <A>(schema: Schema.Decoder<A>, body: string) =>
    Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(body).pipe(
      Effect.mapError(
        (issue) => new ShopsUnavailable({ reason: "BadAnswer", message: `The hub's answer did not decode: ${issue}` })
      )
    )
  return Layer.succeed(
    ShopStatusSource,
    ShopStatusSource.of({
      status: Effect.gen(function* () {
        const answer = yield* request("/shops/status")
        if (answer.status !== 200) {
          return yield* new ShopsUnavailable({
            reason: "BadAnswer",
            message: `The hub answered ${answer.status}: ${answer.body.slice(0, 300)}`
          })
        }
        return yield* decode(ShopStatus, answer.body)
      }),
      decide: (decision) =>
        Effect.gen(function* () {
          const answer = yield* request("/shops/pushes/decision", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(decision)
          })
          if (answer.status !== 200 && answer.status !== 409) {
            return yield* new ShopsUnavailable({
              reason: "BadAnswer",
              message: `The hub answered ${answer.status}: ${answer.body.slice(0, 300)}`
            })
          }
          return yield* decode(Decided, answer.body)
        })
    })
  )
}
