/** Fetches the Shop card from the hub over HTTP and sends managers' push decisions. */
import { Effect, Layer, Schema } from "effect"
import { Bounds } from "../../core/bounds/Bounds.ts"
import { ShopRetryHandedOverResult, ShopStatus } from "../../core/shops/ShopStatus.ts"
import { ShopStatusSource, ShopsUnavailable } from "../../core/shops/ShopStatusSource.ts"
import { AnswerTooLarge, readAnswerText } from "../http/readAnswerText.ts"
import type { MetricsHub } from "../metrics/HttpCustomerMetrics.ts"

const timeoutMs = 10_000
const Decided = Schema.Struct({ ok: Schema.Boolean, message: Schema.String })

/**
 * Asks a hub's HTTP server for the Shop card (`GET /shops/status`) and sends a manager's decision
 * (`POST /shops/pushes/decision`), with the hub's token as `Authorization: Bearer` (the one the customer figures ask
 * for). `hub` is read at each call: the embedded hub starts after the station's services.
 */
export const layerHttpShopStatus = (
  hub: () => MetricsHub | undefined,
  maxAnswerBytes: number = Bounds.maxAnswerBytes
) => {
  const request = (path: string, init?: { readonly method: string; readonly body: string }) =>
    Effect.gen(function* () {
      const target = hub()
      if (target === undefined) {
        return yield* new ShopsUnavailable({
          reason: "NoHub",
          message: "This station knows no notification hub: set hub.url in the station's configuration"
        })
      }
      const base = target.url
      const headers: Record<string, string> = {
        ...(init === undefined ? {} : { "content-type": "application/json" }),
        ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` })
      }
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(`${base}${path}`, {
            ...init,
            headers,
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          }),
        catch: (error) =>
          new ShopsUnavailable({ reason: "Unreachable", message: `The hub at ${base} did not answer: ${error}` })
      })
      const body = yield* Effect.tryPromise({
        try: () => readAnswerText(response, maxAnswerBytes),
        catch: (error) =>
          error instanceof AnswerTooLarge
            ? new ShopsUnavailable({
                reason: "BadAnswer",
                message: `The hub at ${base} answered with more than ${error.maxBytes} bytes; not read`
              })
            : new ShopsUnavailable({ reason: "Unreachable", message: `The hub at ${base} broke off: ${error}` })
      })
      if (response.status === 401) {
        return yield* new ShopsUnavailable({
          reason: "Refused",
          message:
            target.token === undefined
              ? `The hub at ${base} asks for its token: set hub.metricsToken (PACKBENCH_HUB_METRICS_TOKEN)`
              : `The hub at ${base} refused this station's token (hub.metricsToken)`
        })
      }
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
          const answer = yield* request("/shops/pushes/decision", { method: "POST", body: JSON.stringify(decision) })
          if (answer.status !== 200 && answer.status !== 409) {
            return yield* new ShopsUnavailable({
              reason: "BadAnswer",
              message: `The hub answered ${answer.status}: ${answer.body.slice(0, 300)}`
            })
          }
          return yield* decode(Decided, answer.body)
        }),
      retryHandedOver: (retry) =>
        Effect.gen(function* () {
          const answer = yield* request("/shops/pushes/retry-handed-over", {
            method: "POST",
            body: JSON.stringify(retry)
          })
          if (answer.status !== 200 && answer.status !== 409) {
            return yield* new ShopsUnavailable({
              reason: "BadAnswer",
              message: `The hub answered ${answer.status}: ${answer.body.slice(0, 300)}`
            })
          }
          return yield* decode(ShopRetryHandedOverResult, answer.body)
        })
    })
  )
}
