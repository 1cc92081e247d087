/** Asks a hub's HTTP server for the customer figures the Manager screen shows. */
import { Effect, Layer, Schema } from "effect"
import { Bounds } from "../../core/bounds/Bounds.ts"
import { CustomerMetrics, type MetricsWindow } from "../../core/metrics/CustomerMetrics.ts"
import { CustomerMetricsSource, MetricsUnavailable } from "../../core/metrics/CustomerMetricsSource.ts"
import { AnswerTooLarge, readAnswerText } from "../http/readAnswerText.ts"

const timeoutMs = 10_000

/** Where the hub is, and the token its figures ask for (none configured: the hub will refuse, and says so). */
export interface MetricsHub {
  readonly url: string
  readonly token: string | undefined
}

/**
 * Asks a hub's HTTP server for the figures, with its metrics token as `Authorization: Bearer`. `hub` is read at each
 * call: the embedded hub starts after the station's services, and a station without a hub answers "none
 * configured" rather than failing to start.
 */
export const layerHttpCustomerMetrics = (
  hub: () => MetricsHub | undefined,
  maxAnswerBytes: number = Bounds.maxAnswerBytes
) => {
  const get = (path: "/metrics" | "/metrics.csv", window: MetricsWindow) =>
    Effect.gen(function* () {
      const target = hub()
      if (target === undefined) {
        return yield* new MetricsUnavailable({
          reason: "NoHub",
          message: "This station knows no notification hub: set hub.url in the station's configuration"
        })
      }
      const base = target.url
      const url = `${base}${path}?from=${Math.floor(window.fromMs)}&to=${Math.floor(window.toMs)}`
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(url, {
            headers: target.token === undefined ? {} : { authorization: `Bearer ${target.token}` },
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          }),
        catch: (error) =>
          new MetricsUnavailable({ reason: "Unreachable", message: `The hub at ${base} did not answer: ${error}` })
      })
      const body = yield* Effect.tryPromise({
        try: () => readAnswerText(response, maxAnswerBytes),
        catch: (error) =>
          error instanceof AnswerTooLarge
            ? new MetricsUnavailable({
                reason: "BadAnswer",
                message: `The hub at ${base} answered with more than ${error.maxBytes} bytes; not read`
              })
            : new MetricsUnavailable({ reason: "Unreachable", message: `The hub at ${base} broke off: ${error}` })
      })
      if (response.status === 401) {
        return yield* new MetricsUnavailable({
          reason: "Refused",
          message:
            target.token === undefined
              ? `The hub at ${base} asks for its metrics token: set hub.metricsToken (PACKBENCH_HUB_METRICS_TOKEN)`
              : `The hub at ${base} refused this station's metrics token (hub.metricsToken)`
        })
      }
      if (!response.ok) {
        return yield* new MetricsUnavailable({
          reason: "BadAnswer",
          message: `The hub at ${base} answered ${response.status}: ${body.slice(0, 300)}`
        })
      }
      return { body, disposition: response.headers.get("content-disposition") ?? "" }
    })
  const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(CustomerMetrics))
  return Layer.succeed(
    CustomerMetricsSource,
    CustomerMetricsSource.of({
      customer: (window) =>
        get("/metrics", window).pipe(
          Effect.flatMap(({ body }) =>
            decode(body).pipe(
              Effect.mapError(
                (issue) =>
                  new MetricsUnavailable({ reason: "BadAnswer", message: `The hub's figures did not decode: ${issue}` })
              )
            )
          )
        ),
      csv: (window) =>
        get("/metrics.csv", window).pipe(
          Effect.map(({ body, disposition }) => ({
            filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? "customer-metrics.csv",
            csv: body
          }))
        )
    })
  )
}
