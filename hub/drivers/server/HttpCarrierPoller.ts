/** Polls a tracking feed over HTTP that speaks the hub's normalised scan vocabulary. */
import { Effect, Schema } from "effect"
import { Bounds } from "../../../core/bounds/Bounds.ts"
import { AnswerTooLarge, readAnswerText } from "../../../drivers/http/readAnswerText.ts"
import { CarrierTrackingEvent } from "../../core/tracking/CarrierTrackingEvent.ts"
import { CarrierPollError, type CarrierTrackingPoller } from "../../core/tracking/CarrierTrackingPoller.ts"

export interface HttpCarrierPollerOptions {
  readonly carrier: string
  /** The feed's base URL; the poller asks `GET <baseUrl>/v1/tracking?carrier=&numbers=a,b&cursor=`. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  readonly apiKey?: string | undefined
  readonly maxNumbersPerPoll?: number
  readonly timeoutMs?: number
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
}

/** The feed's answer: scans already in the normalised vocabulary and the cursor to continue from. */
export const TrackingFeedPage = Schema.Struct({
  events: Schema.Array(CarrierTrackingEvent),
  cursor: Schema.String
})

const decodePage = Schema.decodeUnknownEffect(TrackingFeedPage)

/**
 * A polling adapter for a tracking feed that speaks the hub's own vocabulary over HTTP: the carrier simulator
 * (`fixtures/carriers/CarrierTrackingServer.ts`) and aggregators configured to normalise for us. An adapter for a
 * carrier's native API has the same shape and maps that API's statuses in `poll`. 5xx, 429 and network failures
 * are `Unavailable`/`Timeout`, other 4xx `Rejected` (a bad key), an undecodable body or one over the bound
 * `Malformed`: all are retried by the scheduler with backoff, and all name the carrier and what went wrong.
 */
export const makeHttpCarrierPoller = (options: HttpCarrierPollerOptions): CarrierTrackingPoller => ({
  carrier: options.carrier,
  maxNumbersPerPoll: options.maxNumbersPerPoll ?? 50,
  poll: (trackingNumbers, cursor) =>
    Effect.gen(function* () {
      const url = new URL("v1/tracking", options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`)
      url.searchParams.set("carrier", options.carrier)
      url.searchParams.set("numbers", trackingNumbers.join(","))
      if (cursor !== undefined) url.searchParams.set("cursor", cursor)
      const response = yield* Effect.tryPromise({
        try: async (signal) => {
          const reply = await fetch(url, {
            headers: {
              accept: "application/json",
              ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` })
            },
            signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)])
          })
          return {
            status: reply.status,
            body: await readAnswerText(reply, options.maxAnswerBytes ?? Bounds.maxAnswerBytes)
          }
        },
        catch: (error) =>
          error instanceof AnswerTooLarge
            ? new CarrierPollError({
                reason: "Malformed",
                message: `${options.carrier} feed ${url.origin} answered with more than ${error.maxBytes} bytes; not read`
              })
            : new CarrierPollError({
                reason: error instanceof Error && error.name === "TimeoutError" ? "Timeout" : "Unavailable",
                message: `${options.carrier} feed ${url.origin}: ${error instanceof Error ? error.message : String(error)}`
              })
      })
      if (response.status < 200 || response.status >= 300) {
        return yield* new CarrierPollError({
          reason: response.status >= 500 || response.status === 429 ? "Unavailable" : "Rejected",
          message: `${options.carrier} feed answered HTTP ${response.status}`
        })
      }
      const parsed = yield* Effect.try({
        try: () => JSON.parse(response.body) as unknown,
        catch: () =>
          new CarrierPollError({ reason: "Malformed", message: `${options.carrier} feed answered with no JSON` })
      })
      return yield* decodePage(parsed).pipe(
        Effect.mapError(
          (error) =>
            new CarrierPollError({
              reason: "Malformed",
              message: `${options.carrier} feed answered an unexpected shape: ${error.message}`
            })
        )
      )
    })
})
