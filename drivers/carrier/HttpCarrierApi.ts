/** A carrier's label web service over HTTP: one shipment request per parcel, the parcel id as idempotency key. */
import { Effect, Schema } from "effect"
import { Bounds } from "../../core/bounds/Bounds.ts"
import { type CarrierApi, CarrierUnreachable } from "../../core/carrier/ApiCarrier.ts"
import { CarrierError, type CarrierLabel, type LabelRequest } from "../../core/carrier/CarrierAdapter.ts"
import { refusedText } from "../../core/carrier/carrierRefusal.ts"
import { AnswerTooLarge, readAnswerText } from "../http/readAnswerText.ts"

export interface HttpCarrierApiOptions {
  /** The carrier as orders name it. */
  readonly carrier: string
  /** The label service's base URL; shipments are `POST <baseUrl>/shipments`, cancellations `DELETE .../<number>`. */
  readonly baseUrl: string
  /** Budget for one request: a label service that hangs is as unreachable as one that refuses connections. */
  readonly timeoutMs?: number
  /** Sent as `Authorization: Bearer <key>` with every request. */
  readonly apiKey?: string
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
}

/**
 * Socket errors raised before a connection opened, so before a byte of the request was sent: refused, no route, a
 * name that does not resolve, undici's connect timeout. A reset or a closed socket can come after the request went
 * out and is not among them.
 */
const BEFORE_CONNECTING = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * Whether fetch failed before the request could leave: its cause (undici's socket error, or, with several addresses
 * tried, every one of them) is a connect error.
 */
export const neverSent = (error: unknown): boolean => {
  const cause = error instanceof Error ? error.cause : undefined
  if (!(cause instanceof Error)) return false
  const attempts = cause instanceof AggregateError && cause.errors.length > 0 ? cause.errors : [cause]
  return attempts.every((attempt) => BEFORE_CONNECTING.has(String((attempt as { code?: unknown }).code)))
}

/** 4xx answers to a shipment request the carrier did not take: it made nothing, and may take it later. */
const NOT_TAKEN = new Set([401, 403, 404, 405, 408, 425, 429])

/** 4xx answers after which the carrier did not act on a cancellation and asking again later may succeed. */
const ASK_AGAIN = new Set([401, 403, 405, 408, 409, 425, 429])

/** An error code by which a label service says it has no such shipment (`shipment-not-found`, `SHIPMENT_NOT_FOUND`). */
const SHIPMENT_NOT_FOUND = /shipment[-_ ]?not[-_ ]?found/i

/** The fields in which a label service names the shipment it answers about. */
const SHIPMENT_FIELDS = ["trackingNumber", "shipmentNumber", "shipment"] as const

/** The fields in which a label service, or an RFC 9457 problem document (`type`), gives an error's code. */
const CODE_FIELDS = ["code", "error", "type"] as const

/**
 * Whether the body of a 404 or 410 to `DELETE .../shipments/<trackingNumber>` is the label service's own answer that it
 * has no live shipment under the number: a JSON object (its error, or an RFC 9457 problem document) that names the
 * shipment, by a field holding the very number (`trackingNumber`, `shipmentNumber`, `shipment`) or by an error code
 * that says shipment not found (`code`, `error`, or a problem's `type`). Anything else (no body, a web server's HTML
 * page, JSON of another shape, one that merely quotes the path) comes from whatever else answers at that address (a
 * wrong base URL, a proxy, a gateway) and says nothing about the shipment.
 */
export const saysNoSuchShipment = (text: string, trackingNumber: string): boolean => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return false
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false
  const fields = body as Readonly<Record<string, unknown>>
  return (
    SHIPMENT_FIELDS.some((field) => fields[field] === trackingNumber) ||
    CODE_FIELDS.some((field) => {
      const code = fields[field]
      return typeof code === "string" && SHIPMENT_NOT_FOUND.test(code)
    })
  )
}

const LabelAnswer = Schema.Struct({
  trackingNumber: Schema.String.check(Schema.isMinLength(1)),
  routingCode: Schema.String,
  carrierName: Schema.String,
  serviceName: Schema.String
})

/**
 * A carrier's label web service over HTTP with JSON bodies. The parcel id goes along as `Idempotency-Key`, so asking
 * again after an answer that never arrived (timeout, station restart) gets the same label, not a second shipment.
 * Transport failures, timeouts, 5xx answers and answers over the bound are `CarrierUnreachable` (worth retrying); a
 * 4xx is the carrier's refusal, reported with its text, but for those that say it did not take the request (see
 * `createShipment`, `cancelShipment`). Only a connection that never opened (`neverSent`) or an answer that the
 * request was not taken says the request made nothing at the carrier; a timeout may have struck before or after the
 * request went out, and fetch does not say which, so it counts as possibly arrived.
 */
export const makeHttpCarrierApi = (options: HttpCarrierApiOptions): CarrierApi => {
  const timeoutMs = options.timeoutMs ?? 5_000
  const base = options.baseUrl.replace(/\/+$/, "")
  const maxAnswerBytes = options.maxAnswerBytes ?? Bounds.maxAnswerBytes
  const unreachable = (message: string, mayHaveReachedCarrier: boolean) =>
    new CarrierUnreachable({ carrier: options.carrier, message, mayHaveReachedCarrier })

  const call = (
    method: "POST" | "DELETE",
    path: string,
    body?: unknown,
    idempotencyKey?: string
  ): Effect.Effect<{ readonly status: number; readonly text: string }, CarrierUnreachable> =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: {
            accept: "application/json",
            ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey })
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        })
        return { status: response.status, text: await readAnswerText(response, maxAnswerBytes) }
      },
      catch: (error) => {
        // Asked again later with the same idempotency key, as for any answer that never arrived whole.
        if (error instanceof AnswerTooLarge)
          return unreachable(`${base} answered with more than ${error.maxBytes} bytes; not read`, true)
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
        return error instanceof Error && error.name === "TimeoutError"
          ? unreachable(`no answer from ${base} within ${timeoutMs} ms`, true)
          : unreachable(
              `cannot reach ${base} (${error instanceof Error ? error.message : String(error)}${cause})`,
              !neverSent(error)
            )
      }
    })

  /**
   * The carrier's refusal, kept and shown in words (`refusedText`: its own message read from its answer, bounded); its
   * raw answer goes to the log, where a person looking into an odd refusal finds it whole (up to the answer's bound).
   */
  const refused = (what: string, status: number, text: string) =>
    Effect.andThen(
      Effect.logWarning(`${options.carrier} refused the ${what} (HTTP ${status}); its answer: ${text || "(no body)"}`),
      Effect.fail(
        new CarrierError({
          carrier: options.carrier,
          reason: "refused",
          message: refusedText(options.carrier, what, status, text)
        })
      )
    )

  /**
   * A shipment request's answer. A 2xx made the shipment; one whose label cannot be read is asked for again under
   * the same key, as the shipment exists and only the label tells its number. The carrier did not take a request it
   * answers 401/403 (the station's key), 404/405 (the station's address of the service), 408, 425 or 429 (not now),
   * so it made nothing for it and the request is asked again later; a 409 says another request under the key is
   * under way, so a shipment may be in the making. Any other 4xx is the carrier's answer to the request itself (a bad
   * address, a product it does not ship): a refusal, for which it made no shipment.
   */
  const createShipment = (request: LabelRequest) =>
    call("POST", "/shipments", request, request.parcelId).pipe(
      Effect.flatMap(
        ({ status, text }): Effect.Effect<string, CarrierError | CarrierUnreachable> =>
          status < 300
            ? Effect.succeed(text)
            : status >= 500 || status === 409
              ? Effect.fail(unreachable(`${base} answered ${status}: ${text.slice(0, 200)}`, true))
              : NOT_TAKEN.has(status)
                ? Effect.fail(unreachable(`${base} did not take the request (${status}): ${text.slice(0, 200)}`, false))
                : refused("label", status, text)
      ),
      Effect.flatMap((text) =>
        Effect.try({
          try: (): CarrierLabel => Schema.decodeUnknownSync(LabelAnswer)(JSON.parse(text)),
          catch: (error) =>
            unreachable(
              `${base} answered with no usable label: ${error instanceof Error ? error.message : String(error)}`,
              true
            )
        })
      )
    )

  /**
   * A cancellation names the shipment by its tracking number, so asking again is harmless. A 404 or 410 in which the
   * label service says it has no live shipment under the number (`saysNoSuchShipment`: cancelled before, by an earlier
   * request whose answer was lost, or never made) leaves nothing to cancel. Any other 404 or 410 (a bare one, an HTML
   * page) is not the service's answer but that of whatever else answers at the address (a wrong base URL, a proxy):
   * it says nothing about the shipment, which may still be live, so the cancellation is asked again, as after a 5xx,
   * and the reason names the answer. The carrier did not act on a 401/403 (the station's key), a 408, 425 or 429 (not
   * now) or a 409 (another request on the shipment under way): asked again too. Any other 4xx is the carrier's refusal
   * to cancel (a shipment already on its way, say).
   */
  const cancelShipment = (trackingNumber: string) =>
    call("DELETE", `/shipments/${encodeURIComponent(trackingNumber)}`).pipe(
      Effect.flatMap(
        ({ status, text }): Effect.Effect<"cancelled" | "gone", CarrierError | CarrierUnreachable> =>
          status < 300
            ? Effect.succeed("cancelled")
            : status === 404 || status === 410
              ? saysNoSuchShipment(text, trackingNumber)
                ? Effect.succeed("gone")
                : Effect.fail(
                    unreachable(
                      `${base} answered ${status} for shipment ${trackingNumber}, not the label service's answer that it has no such shipment (is the base URL right?): ${text.slice(0, 200) || "no body"}`,
                      false
                    )
                  )
              : status >= 500 || ASK_AGAIN.has(status)
                ? Effect.fail(unreachable(`${base} answered ${status}: ${text.slice(0, 200)}`, true))
                : refused("cancellation", status, text)
      )
    )

  return { carrier: options.carrier, createShipment, cancelShipment }
}
