/** The hub's HTTP server: carrier webhook, tracking, feedback, address correction, opt-out, metrics pages and the EPCIS export. */
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Effect, Schema } from "effect"
import { epcisDocumentHead } from "../../../core/events/Epcis.ts"
import { ShopPushDecision, ShopRetryHandedOver } from "../../../core/shops/ShopStatus.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { parseInstant } from "../../../core/time/parseInstant.ts"
import {
  type CorrectionField,
  correctionFields,
  loadCorrectionPage,
  submitCorrection
} from "../../core/correction/AddressCorrections.ts"
import { renderCorrectionPage } from "../../core/correction/renderCorrectionPage.ts"
import { type EpcisCursor, type EpcisWindow, readEpcisPage } from "../../core/epcis/HubEpcis.ts"
import {
  FeedbackAnswer,
  type FeedbackOutcome,
  loadFeedbackPage,
  maxCommentLength,
  recordFeedbackAnswer,
  withoutCommentControls
} from "../../core/feedback/FeedbackAnswers.ts"
import { type FeedbackPageState, renderFeedbackPage } from "../../core/feedback/renderFeedbackPage.ts"
import { computeCustomerMetrics } from "../../core/metrics/computeCustomerMetrics.ts"
import { customerMetricsCsv } from "../../core/metrics/customerMetricsCsv.ts"
import { parseMetricsWindow } from "../../core/metrics/parseMetricsWindow.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { loadOptOut, recordOptOut } from "../../core/notify/OptOut.ts"
import { brandFor } from "../../core/notify/templates/Brand.ts"
import { renderOptOutPage } from "../../core/notify/templates/renderOptOutPage.ts"
import { Shops } from "../../core/shop/ShopHub.ts"
import { CarrierTrackingEvent } from "../../core/tracking/CarrierTrackingEvent.ts"
import { renderTrackingPage } from "../../core/tracking/renderTrackingPage.ts"
import { loadTrackingPageView } from "../../core/tracking/TrackingPageView.ts"
import { TrackingTokens } from "../../core/tracking/TrackingTokens.ts"
import { bearerMatches } from "./MetricsToken.ts"
import { PROMETHEUS_TEXT_TYPE, shopMetricsText } from "./shopMetricsText.ts"
import { deliveryIdPattern, headersVerdict, verifyWebhook, verifyWebhookV2 } from "./WebhookSignature.ts"

export interface HubHttpOptions {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Shared with the carriers (or the aggregator) that post tracking updates. */
  readonly webhookSecret: string
  /**
   * What `/metrics`, `/metrics.csv`, `/shops/status` and `/shops/pushes/decision` ask for as `Authorization: Bearer
   * <token>` (the customer figures and the Shop card are the shop's people's).
   */
  readonly metricsToken: string
  /** How far a webhook's timestamp may be from the hub's clock, both ways. */
  readonly toleranceMs?: number
  /**
   * How long a client may take to send a request's headers (default 10 s) and the whole request, body included
   * (default 30 s: a 1 MB webhook at 33 KB/s): one that trickles them (slowloris), or a chunked body that never ends,
   * is answered 408 and closed. Node's own defaults (60 s, 5 min) let each such connection hold its socket for minutes.
   */
  readonly headersTimeoutMs?: number
  readonly requestTimeoutMs?: number
  /**
   * Connections held at once (default 500); one more is closed unanswered until one of them closes. The hub's
   * database, broker and mail connections need file descriptors of the same process: an internet client opening
   * thousands of connections must not take the last of them.
   */
  readonly maxConnections?: number
  /**
   * How long a streamed answer (the EPCIS export) waits for a client that stopped reading before it closes the
   * connection (default 60 s): the stream holds its connection and a database page for as long as it waits.
   */
  readonly streamIdleTimeoutMs?: number
}

export const CarrierWebhookBody = Schema.Struct({ events: Schema.Array(CarrierTrackingEvent) })

const maxBodyBytes = 1_000_000
/**
 * A carrier delivery at its fullest: a scan's ids are at most 128 characters and its location and description 1,024
 * (`CarrierTrackingEvent`), about 2.6 KB as JSON with every field full, so this is 100 such scans and thousands of the
 * usual few hundred bytes; the aggregators we know send a few dozen a delivery. Anything near it is no carrier.
 */
const maxCarrierBodyBytes = 262_144
/** An address form or a one-click unsubscribe is a few hundred bytes at most: anything near this is no customer. */
const maxFormBytes = 8_192
/**
 * The feedback form at its fullest: the longest comment, each character taking the 9 bytes a form spends on a
 * three-byte UTF-8 character (`%E2%82%AC`), and the rating. Anyone may post to `/f/…`, so nothing larger is read.
 */
const maxFeedbackFormBytes = 9 * maxCommentLength + 1_024
const tokenPattern = /^[A-Za-z0-9_-]{16,64}$/

class BodyTooLarge extends Error {}

/** JSON is UTF-8 (RFC 8259): a body that is not is refused with that reason, not read with U+FFFD in its place. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

const readBody = (request: IncomingMessage, limit = maxBodyBytes) =>
  readRawBody(request, limit).then((body) => body.toString("utf8"))

/** The body as it came: webhook signatures are over these bytes, not over a decoded text. */
const readRawBody = (request: IncomingMessage, limit = maxBodyBytes) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Stop reading but keep the socket for the 413, which closes the connection (`connection: close`).
        request.pause()
        reject(new BodyTooLarge())
      } else chunks.push(chunk)
    })
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

/**
 * The hub's pages are rendered on the server, with inline styles and plain forms that post back to them: no script
 * runs, nothing loads from elsewhere, no other site may frame them (clickjacking the feedback or opt-out button) and
 * no link sends the page's tokened URL on as a referrer.
 */
export const HUB_PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

const reply = (
  response: ServerResponse,
  status: number,
  body: string,
  type = "application/json",
  extra: Record<string, string> = {}
) => {
  response.writeHead(status, {
    "content-type": `${type}; charset=utf-8`,
    "cache-control": "no-store",
    "content-security-policy": HUB_PAGE_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    ...extra
  })
  response.end(body)
}

const json = (value: unknown) => JSON.stringify(value)

/**
 * A refusal sent before the request's body is read (a webhook whose headers alone say no), with `Connection: close`:
 * the connection is not read on for a next request, so whatever body the client still sends is never taken in.
 */
const refuseUnread = (response: ServerResponse, status: number, body: string) => {
  response.setHeader("connection", "close")
  reply(response, status, body)
}

const firstHeader = (headers: IncomingMessage["headers"], name: string) => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Stored EPCIS events per page of `GET /epcis`. */
const EPCIS_PAGE = 500
const sitePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * What is wrong with a query that takes each of `names` at most once and nothing else, if anything: a parameter
 * given twice, or one misspelt, would otherwise be answered for another window than the one asked for.
 */
const queryProblem = (params: URLSearchParams, names: ReadonlyArray<string>): string | undefined => {
  for (const name of new Set(params.keys())) {
    if (!names.includes(name))
      return `unknown parameter "${name.slice(0, 40)}": expected ${names.slice(0, -1).join(", ")} and ${names.at(-1)}`
    if (params.getAll(name).length > 1) return `${name} given more than once`
  }
  return undefined
}

/**
 * `GET /epcis`'s parameters: `from` and `to`, ISO 8601 instants with their offset (the window [from, to) of event
 * time), and optionally one `site`. Each at most once, nothing else; every refusal says what was wrong.
 */
export const parseEpcisQuery = (
  params: URLSearchParams
): { readonly ok: true; readonly window: EpcisWindow } | { readonly ok: false; readonly message: string } => {
  const problem = queryProblem(params, ["from", "to", "site"])
  if (problem !== undefined) return { ok: false, message: problem }
  const instant = (name: "from" | "to") => {
    const text = params.get(name)
    return text === null ? undefined : parseInstant(text)
  }
  const fromMs = instant("from")
  const toMs = instant("to")
  for (const [name, ms] of [
    ["from", fromMs],
    ["to", toMs]
  ] as const) {
    if (ms === undefined)
      return {
        ok: false,
        message: `${name} needs an ISO 8601 instant with its offset, e.g. 2026-12-04T00:00:00+01:00 or 2026-12-03T23:00:00Z`
      }
  }
  if (fromMs === undefined || toMs === undefined || toMs <= fromMs)
    return { ok: false, message: "to must be after from" }
  const site = params.get("site")
  if (site !== null && !sitePattern.test(site))
    return { ok: false, message: "site needs a site id (letters, digits, . _ -)" }
  return { ok: true, window: { fromMs, toMs, ...(site === null ? {} : { siteId: site }) } }
}
const notFoundPage = "<!doctype html><title>Not found</title><p>Not found</p>"
const forbiddenPage = "<!doctype html><title>Forbidden</title><p>Forbidden</p>"
const badRequestPage = "<!doctype html><title>Bad request</title><p>Bad request</p>"
const garbledLinkPage =
  "<!doctype html><title>Bad request</title><p>Bad request: this link is garbled. Please open the link from your email again.</p>"

/**
 * A link's token segment percent-decoded; undefined when its escapes are no UTF-8 (`%`, `%E0%A4`), which no link the
 * hub sends has (`decodeURIComponent` throws a URIError on them).
 */
const decodePathSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/**
 * Whether `new URL` would read a request target's path as another: it resolves `.` and `..` segments (also written
 * `%2e`), reads a backslash as a slash and `//x` as a host, so `/t/%2e%2e/metrics` would be served as `/metrics`, past
 * a proxy that lets only the customers' `/t/…` through and in the log as a tracking link. No link of the hub's has one.
 */
const pathReadAsAnother = (target: string) => {
  const path = target.split(/[?#]/, 1)[0] ?? ""
  return (
    path.startsWith("//") || path.includes("\\") || path.split("/").some((segment) => /^(\.|%2e){1,2}$/i.test(segment))
  )
}

/**
 * The methods a path of the hub's takes, for the 405 of another (a carrier or shop set up to `PUT` learns what to
 * send instead of being told the path does not exist); undefined for a path the hub does not serve.
 */
const methodsOf = (path: string): string | undefined => {
  const posted = ["/webhooks/carrier", "/shops/pushes/decision", "/shops/pushes/retry-handed-over"]
  if (posted.includes(path) || /^\/shops\/[a-z0-9-]{1,32}\/webhook$/.test(path)) return "POST"
  // HEAD goes with every GET (it is answered as GET without the body).
  if (/^\/[fau]\/[^/]+$/.test(path)) return "GET, HEAD, POST"
  const read = ["/shops/status", "/metrics", "/metrics.csv", "/metrics/shops", "/epcis", "/healthz"]
  if (read.includes(path) || /^\/t\/[^/]+$/.test(path)) return "GET, HEAD"
  return undefined
}

/** A request's path for the log, without the query and with a page link's token (a customer's secret) left out. */
const loggedRoute = (target: string | undefined) =>
  (target ?? "/")
    .split("?")[0]!
    .replace(/^\/([tfau])\/[^/]*/, "/$1/<token>")
    .slice(0, 200)

/**
 * The hub's HTTP face: `POST /shops/<connector>/webhook` takes the shops' signed order webhooks, `GET /shops/status`
 * and `POST /shops/pushes/decision` and `POST /shops/pushes/retry-handed-over` serve the Manager screen's Shop card (with the hub's token), `POST /webhooks/carrier` takes signed
 * carrier tracking updates, `GET /t/<token>` serves
 * a parcel's tracking page, `GET|POST /f/<token>` its feedback page, `GET|POST /a/<token>` the customer's address
 * correction for an order on hold, `GET /metrics` and `GET /metrics.csv` the
 * customer figures, `GET /metrics/shops` the shop connectors' figures for monitoring (Prometheus text), `GET /epcis` the stored events of a time window as an EPCIS 2.0 document, and `GET /u/<token>` asks a customer to confirm the opt-out that `POST /u/<token>` (the page's
 * button, or a mail client's RFC 8058 one-click request) records. The webhook's delivery id is recorded in the same
 * transaction as the scans it
 * carries, so a replayed delivery is refused and a delivery that failed to apply may be retried.
 */
export const startHubHttpServer = Effect.fn("HubHttpServer.start")(function* (options: HubHttpOptions) {
  const context = yield* Effect.context<Sql | HubProjection | StationClock | HubSettings | Shops | TrackingTokens>()
  const run = Effect.runPromiseWith(context)
  const sql = yield* Sql
  const projection = yield* HubProjection
  const clock = yield* StationClock
  const settings = yield* HubSettings
  const shops = yield* Shops
  const tokens = yield* TrackingTokens
  const decodeDecision = Schema.decodeUnknownEffect(
    Schema.fromJsonString(
      Schema.Struct({
        ...ShopPushDecision.fields,
        actor: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))
      })
    )
  )
  const decodeRetryHandedOver = Schema.decodeUnknownEffect(
    Schema.fromJsonString(
      Schema.Struct({
        ...ShopRetryHandedOver.fields,
        actor: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))
      })
    )
  )
  const toleranceMs = options.toleranceMs ?? 5 * 60_000
  const streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000
  const decodeBody = Schema.decodeUnknownEffect(CarrierWebhookBody)
  const decodeAnswer = Schema.decodeUnknownEffect(FeedbackAnswer)

  const carrierWebhook = Effect.fnUntraced(function* (
    headers: IncomingMessage["headers"],
    body: Buffer
  ): Effect.fn.Return<{ readonly status: number; readonly body: unknown }, never, never> {
    const nowMs = (yield* clock.now).wallMs
    const header = (name: string) => firstHeader(headers, name)
    const signature = header("x-packbench-signature")
    const deliveryId = header("x-packbench-delivery")
    // `v2=` signs the delivery id too (WebhookSignature's `signWebhookV2`); `sha256=`, the first scheme, is still taken.
    const signsDelivery = signature?.startsWith("v2=") === true
    if (signsDelivery && (deliveryId === undefined || !deliveryIdPattern.test(deliveryId))) {
      return {
        status: 400,
        body: { error: "a v2= signature needs X-Packbench-Delivery (1-200 visible ASCII characters, no spaces)" }
      }
    }
    const signed = { secret: options.webhookSecret, timestamp: header("x-packbench-timestamp"), signature, body }
    const verdict = signsDelivery
      ? verifyWebhookV2({ ...signed, deliveryId: deliveryId ?? "", nowMs, toleranceMs })
      : verifyWebhook({ ...signed, nowMs, toleranceMs })
    if (!verdict.ok) return { status: 401, body: { error: verdict.reason } }
    if (deliveryId === undefined || deliveryId.length === 0 || deliveryId.length > 200) {
      return { status: 400, body: { error: "missing X-Packbench-Delivery" } }
    }
    let text: string
    try {
      text = strictUtf8.decode(body)
    } catch {
      return { status: 400, body: { error: "the body is not UTF-8" } }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return { status: 400, body: { error: "body is not JSON" } }
    }
    const decoded = yield* decodeBody(parsed).pipe(Effect.result)
    if (decoded._tag === "Failure") return { status: 400, body: { error: decoded.failure.message } }
    const outcome = yield* sql
      .transaction(
        Effect.gen(function* () {
          // Under the first scheme a delivery is told by its id and its body together: the id alone is not covered
          // by the signature, so a captured delivery replayed under the carrier's next id took that id, and the
          // carrier's own delivery was refused as a replay. A replay under another id now goes in as what it is (its
          // scans are known by their ids: `duplicate`); the carrier's redelivery, even re-signed later, is still a
          // replay. Under v2 the id is signed and names the delivery alone; kept as `v2:<id>`, which no digest of the
          // first scheme (64 hex digits) can be, so neither scheme can take the other's ids.
          const fresh = yield* sql.execute(
            "INSERT INTO hub_webhook_deliveries (delivery_id, received_at_ms) VALUES (?, ?) ON CONFLICT (delivery_id) DO NOTHING",
            [
              signsDelivery
                ? `v2:${deliveryId}`
                : createHash("sha256").update(deliveryId).update("\n").update(body).digest("hex"),
              nowMs
            ]
          )
          if (fresh.changes === 0) return undefined
          // Ids older than the tolerance cannot come back (their timestamp would be refused): forget them.
          yield* sql.execute("DELETE FROM hub_webhook_deliveries WHERE received_at_ms < ?", [nowMs - 2 * toleranceMs])
          return yield* Effect.forEach(decoded.success.events, projection.applyCarrierEvent)
        })
      )
      .pipe(Effect.result)
    if (outcome._tag === "Failure") {
      yield* Effect.logError(`hub: carrier webhook failed to apply: ${outcome.failure.message}`)
      return { status: 503, body: { error: "try again" } }
    }
    if (outcome.success === undefined) return { status: 409, body: { error: "replayed delivery" } }
    return { status: 200, body: { outcomes: outcome.success } }
  })

  const trackingPage = Effect.fnUntraced(function* (token: string) {
    if (!tokenPattern.test(token)) return undefined
    const view = yield* loadTrackingPageView(token)
    if (view === undefined) return undefined
    const formatter = new Intl.DateTimeFormat(view.locale === "de" ? "de-DE" : "en-GB", {
      timeZone: settings.notify.timeZones[view.locale],
      dateStyle: "medium",
      timeStyle: "short"
    })
    return renderTrackingPage(view, brandFor(settings.brands, view.brand), (ms) => formatter.format(new Date(ms)))
  })

  const feedbackPage = Effect.fnUntraced(function* (token: string, state: FeedbackPageState) {
    if (!tokenPattern.test(token)) return undefined
    const view = yield* loadFeedbackPage(token)
    if (view === undefined) return undefined
    const shown: FeedbackPageState =
      view.answer !== undefined && state.type === "form" ? { type: "answered", justNow: false } : state
    return renderFeedbackPage(view, brandFor(settings.brands, view.brand), shown)
  })

  const feedbackAnswer = Effect.fnUntraced(function* (token: string, body: string) {
    const form = new URLSearchParams(body)
    const given = form.get("rating")
    const rating = given === null || !/^\d$/.test(given) ? Number.NaN : Number(given)
    const comment = form.get("comment") ?? ""
    const decoded = yield* decodeAnswer({ rating, comment }).pipe(Effect.result)
    if (decoded._tag === "Failure") {
      const withoutControls = withoutCommentControls(comment)
      // Only the controls refused: the form comes back with the rating and the comment without them, to send again.
      const state: FeedbackPageState =
        withoutControls !== comment && Schema.is(FeedbackAnswer)({ rating, comment: withoutControls })
          ? { type: "form", invalid: "comment", preselected: rating, comment: withoutControls }
          : { type: "form", invalid: "rating" }
      return { status: 400, html: yield* feedbackPage(token, state) }
    }
    const outcome: FeedbackOutcome = tokenPattern.test(token)
      ? yield* recordFeedbackAnswer(token, decoded.success, (yield* clock.now).wallMs)
      : "unknown-token"
    if (outcome === "unknown-token") return { status: 404, html: undefined }
    return {
      status: outcome === "recorded" ? 200 : 409,
      html: yield* feedbackPage(token, { type: "answered", justNow: outcome === "recorded" })
    }
  })

  const metrics = Effect.fnUntraced(function* (url: URL) {
    const problem = queryProblem(url.searchParams, ["from", "to"])
    if (problem !== undefined) return { ok: false as const, message: problem }
    const parsed = parseMetricsWindow(
      url.searchParams.get("from"),
      url.searchParams.get("to"),
      (yield* clock.now).wallMs
    )
    if (!parsed.ok) return parsed
    const asOfMs = (yield* clock.now).wallMs
    return {
      ok: true as const,
      metrics: yield* computeCustomerMetrics(parsed.window, { asOfMs, alertAfterMs: settings.notify.pickupAlertMs })
    }
  })

  const optOutPage = Effect.fnUntraced(function* (token: string, record: boolean) {
    if (!tokenPattern.test(token)) return undefined
    const before = yield* loadOptOut(token)
    if (before === undefined) return undefined
    const brand = brandFor(settings.brands, before.brand)
    const path = `/u/${encodeURIComponent(token)}`
    if (before.optedOutAtMs !== undefined) return renderOptOutPage(before.locale, brand, "already", path)
    if (!record) return renderOptOutPage(before.locale, brand, "confirm", path)
    yield* recordOptOut(token, (yield* clock.now).wallMs)
    return renderOptOutPage(before.locale, brand, "done", path)
  })

  const correctionPage = Effect.fnUntraced(function* (token: string) {
    if (!tokenPattern.test(token)) return undefined
    const view = yield* loadCorrectionPage(tokens.digest(token), (yield* clock.now).wallMs, settings.notify)
    if (view === undefined) return undefined
    return {
      status: view.state === "expired" || view.state === "replaced" ? 410 : view.state === "locked" ? 429 : 200,
      html: renderCorrectionPage(view, brandFor(settings.brands, view.brand), token)
    }
  })

  const correctionPost = Effect.fnUntraced(function* (token: string, body: string) {
    if (!tokenPattern.test(token)) return undefined
    const form = new URLSearchParams(body)
    // The form carries its link's token: a post made elsewhere (which cannot read the page) does not have it.
    if (form.get("token") !== token) return { status: 403, html: forbiddenPage }
    const fields: Partial<Record<CorrectionField, string>> = {}
    for (const field of correctionFields) {
      const values = form.getAll(field)
      if (values.length > 1) return { status: 400, html: badRequestPage }
      if (values[0] !== undefined) fields[field] = values[0]
    }
    const outcome = yield* submitCorrection(tokens.digest(token), fields, (yield* clock.now).wallMs, settings.notify)
    if (outcome.type === "unknown-link") return undefined
    const brand = brandFor(settings.brands, outcome.view.brand)
    if (outcome.type === "refused") {
      return { status: 422, html: renderCorrectionPage(outcome.view, brand, token, outcome.errors) }
    }
    if (outcome.type === "taken") {
      yield* Effect.logInfo(`hub: customer corrected the address of ${outcome.view.orderId} (via ${outcome.route})`)
      return { status: 200, html: renderCorrectionPage(outcome.view, brand, token) }
    }
    const status = outcome.view.state === "corrected" || outcome.view.state === "released" ? 409 : 410
    return {
      status: outcome.view.state === "locked" ? 429 : status,
      html: renderCorrectionPage(outcome.view, brand, token)
    }
  })

  /**
   * A browser says where a post comes from (`Sec-Fetch-Site`, `Origin`); one from another site is refused before the
   * body is read. A client that says nothing (no browser) still needs the form's token.
   */
  const sameOrigin = (request: IncomingMessage) => {
    const site = request.headers["sec-fetch-site"]
    if (site !== undefined && site !== "same-origin" && site !== "none") return false
    const origin = request.headers.origin
    // The pages' `Referrer-Policy: no-referrer` makes a browser send `Origin: null` with its own form: then
    // `Sec-Fetch-Site` (checked above) and the form's token decide.
    if (origin === undefined || origin === "null") return true
    const allowed = new Set([new URL(settings.publicBaseUrl).origin])
    if (request.headers.host !== undefined) allowed.add(`http://${request.headers.host}`)
    return allowed.has(origin)
  }

  /**
   * The customer figures and the Shop card (which retries or discards pushes) are for the shop's own people: asked
   * for with the hub's token as `Authorization: Bearer`, else answered 401 and nothing is read or done.
   */
  const refusedWithoutToken = (request: IncomingMessage, response: ServerResponse, what: string) => {
    if (bearerMatches(request.headers.authorization, options.metricsToken)) return false
    reply(
      response,
      401,
      json({ error: `${what} the hub's metrics token (Authorization: Bearer)` }),
      "application/json",
      { "www-authenticate": 'Bearer realm="packbench-hub-metrics"' }
    )
    return true
  }

  /**
   * Streams the EPCISDocument of the stored events in the window, page by page (keyset paging, 500 events a page),
   * waiting for the client to take each page before reading the next: memory stays at one page whatever the window.
   */
  const streamEpcis = async (response: ServerResponse, window: EpcisWindow, headOnly: boolean) => {
    response.writeHead(200, {
      "content-type": "application/ld+json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-disposition": `attachment; filename="epcis-${new Date(window.fromMs).toISOString().slice(0, 10)}.jsonld"`
    })
    // Node's timeout counts from the socket's last read or write: a client that stops taking the stream stops both.
    response.setTimeout(streamIdleTimeoutMs, () => {
      void run(
        Effect.logWarning(`hub: closed an EPCIS export whose client stopped reading for ${streamIdleTimeoutMs} ms`)
      )
      response.destroy()
    })
    // A HEAD's answer has no body: the window's events are not read for nothing.
    if (headOnly) {
      response.end()
      return
    }
    const write = (text: string) =>
      new Promise<void>((done, fail) => {
        if (response.destroyed) fail(new Error("client went away"))
        else if (response.write(text)) done()
        else {
          const cleanup = () => {
            response.off("drain", onDrain)
            response.off("close", onClose)
          }
          const onDrain = () => {
            cleanup()
            done()
          }
          const onClose = () => {
            cleanup()
            fail(new Error("client went away"))
          }
          response.on("drain", onDrain)
          response.on("close", onClose)
        }
      })
    const head = JSON.stringify(epcisDocumentHead((await run(clock.now)).wallMs))
    await write(`${head.slice(0, -1)},"epcisBody":{"eventList":[`)
    let cursor: EpcisCursor | undefined
    let first = true
    do {
      const page = await run(readEpcisPage(window, cursor, EPCIS_PAGE))
      if (page.documents.length > 0) {
        await write(`${first ? "\n" : ",\n"}${page.documents.join(",\n")}`)
        first = false
      }
      cursor = page.next
    } while (cursor !== undefined)
    response.end("\n]}}\n")
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.url ?? "/"
    // HEAD is GET without the body (RFC 9110 9.3.2), which Node leaves out of a HEAD's answer itself.
    const method = request.method === "HEAD" ? "GET" : request.method
    // Node passes on any request target without spaces, `//[` and `http://hub:99999/` included, which `new URL` throws on.
    if (!URL.canParse(target, "http://hub.invalid")) {
      reply(response, 400, json({ error: "the request target is not a URL path (as in GET /healthz)" }))
      return
    }
    if (pathReadAsAnother(target)) {
      reply(
        response,
        400,
        json({
          error:
            "the request path has a dot segment (. or .., also as %2e), a backslash or a leading //: it would name another path than it shows"
        })
      )
      return
    }
    const url = new URL(target, "http://hub.invalid")
    const shopWebhook = /^\/shops\/([a-z0-9-]{1,32})\/webhook$/.exec(url.pathname)
    if (method === "POST" && shopWebhook !== null) {
      const headers: Record<string, string | undefined> = {}
      for (const name of Object.keys(request.headers)) headers[name] = firstHeader(request.headers, name)
      // Anyone may post here: the body is read only for a connector the hub has and headers that could verify, and
      // only up to what that shop sends.
      const admitted = await run(shops.admitWebhook(shopWebhook[1] ?? "", headers))
      if (!admitted.ok) {
        refuseUnread(response, admitted.answer.status, json(admitted.answer.body))
        return
      }
      const body = await readRawBody(request, admitted.maxBodyBytes)
      const result = await run(shops.receiveWebhook(shopWebhook[1] ?? "", { headers, body: new Uint8Array(body) }))
      reply(response, result.status, json(result.body))
      return
    }
    if (method === "GET" && url.pathname === "/shops/status") {
      if (refusedWithoutToken(request, response, "the Shop card needs")) return
      reply(response, 200, json(await run(shops.status)))
      return
    }
    const decision = /^\/shops\/pushes\/decision$/.exec(url.pathname)
    if (method === "POST" && decision !== null) {
      if (refusedWithoutToken(request, response, "decisions on shop pushes need")) return
      const parsed = await run(Effect.result(decodeDecision(await readBody(request))))
      if (parsed._tag === "Failure") {
        reply(response, 400, json({ error: parsed.failure.message }))
        return
      }
      const outcome = await run(shops.decidePush(parsed.success))
      reply(response, outcome.ok ? 200 : 409, json(outcome))
      return
    }
    if (method === "POST" && url.pathname === "/shops/pushes/retry-handed-over") {
      if (refusedWithoutToken(request, response, "decisions on shop pushes need")) return
      const parsed = await run(Effect.result(decodeRetryHandedOver(await readBody(request))))
      if (parsed._tag === "Failure") {
        reply(response, 400, json({ error: parsed.failure.message }))
        return
      }
      const outcome = await run(shops.retryHandedOver(parsed.success))
      reply(response, outcome.ok ? 200 : 409, json(outcome))
      return
    }
    if (method === "POST" && url.pathname === "/webhooks/carrier") {
      const early = headersVerdict({
        timestamp: firstHeader(request.headers, "x-packbench-timestamp"),
        signature: firstHeader(request.headers, "x-packbench-signature"),
        nowMs: (await run(clock.now)).wallMs,
        toleranceMs
      })
      if (!early.ok) {
        refuseUnread(response, 401, json({ error: early.reason }))
        return
      }
      const body = await readRawBody(request, maxCarrierBodyBytes)
      const result = await run(carrierWebhook(request.headers, body))
      reply(response, result.status, json(result.body))
      return
    }
    const page = /^\/t\/([^/]+)$/.exec(url.pathname)
    if (method === "GET" && page !== null) {
      const token = decodePathSegment(page[1] ?? "")
      if (token === undefined) {
        reply(response, 400, garbledLinkPage, "text/html")
        return
      }
      const html = await run(trackingPage(token))
      if (html === undefined) reply(response, 404, notFoundPage, "text/html")
      else reply(response, 200, html, "text/html")
      return
    }
    const feedback = /^\/f\/([^/]+)$/.exec(url.pathname)
    if (feedback !== null && (method === "GET" || method === "POST")) {
      const token = decodePathSegment(feedback[1] ?? "")
      if (token === undefined) {
        reply(response, 400, garbledLinkPage, "text/html")
        return
      }
      const result =
        method === "POST"
          ? await run(feedbackAnswer(token, await readBody(request, maxFeedbackFormBytes)))
          : await run(
              Effect.map(
                // A rating in the mail's link only preselects: a GET never records (mail scanners open links).
                feedbackPage(token, { type: "form", preselected: Number(url.searchParams.get("rating")) }),
                (html) => ({ status: 200, html })
              )
            )
      if (result.html === undefined) reply(response, 404, notFoundPage, "text/html")
      else reply(response, result.status, result.html, "text/html")
      return
    }
    if (method === "GET" && url.pathname === "/metrics/shops") {
      if (refusedWithoutToken(request, response, "the shops' figures need")) return
      reply(response, 200, shopMetricsText(await run(shops.metrics)), PROMETHEUS_TEXT_TYPE)
      return
    }
    if (method === "GET" && url.pathname === "/epcis") {
      if (refusedWithoutToken(request, response, "the EPCIS export needs")) return
      const window = parseEpcisQuery(url.searchParams)
      if (!window.ok) {
        reply(response, 400, json({ error: window.message }))
        return
      }
      await streamEpcis(response, window.window, request.method === "HEAD")
      return
    }
    if (method === "GET" && (url.pathname === "/metrics" || url.pathname === "/metrics.csv")) {
      if (refusedWithoutToken(request, response, "the customer figures need")) return
      const result = await run(metrics(url))
      if (!result.ok) reply(response, 400, json({ error: result.message }))
      else if (url.pathname === "/metrics") reply(response, 200, json(result.metrics))
      else {
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
        response.setHeader(
          "content-disposition",
          `attachment; filename="customer-metrics-${day(result.metrics.fromMs)}-${day(result.metrics.toMs)}.csv"`
        )
        reply(response, 200, customerMetricsCsv(result.metrics), "text/csv")
      }
      return
    }
    const correction = /^\/a\/([^/]+)$/.exec(url.pathname)
    if (correction !== null && (method === "GET" || method === "POST")) {
      const token = decodePathSegment(correction[1] ?? "")
      if (token === undefined) {
        reply(response, 400, garbledLinkPage, "text/html")
        return
      }
      if (method === "POST") {
        const type = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase()
        if (!sameOrigin(request)) {
          reply(response, 403, forbiddenPage, "text/html")
          return
        }
        if (type !== "application/x-www-form-urlencoded") {
          reply(response, 415, badRequestPage, "text/html")
          return
        }
      }
      const result =
        method === "POST"
          ? await run(correctionPost(token, await readBody(request, maxFormBytes)))
          : await run(correctionPage(token))
      if (result === undefined) reply(response, 404, notFoundPage, "text/html")
      else reply(response, result.status, result.html, "text/html")
      return
    }
    const optOut = /^\/u\/([^/]+)$/.exec(url.pathname)
    if ((method === "GET" || method === "POST") && optOut !== null) {
      const token = decodePathSegment(optOut[1] ?? "")
      if (token === undefined) {
        reply(response, 400, garbledLinkPage, "text/html")
        return
      }
      // The POST body (`List-Unsubscribe=One-Click`) carries nothing the token does not: read and let go.
      if (method === "POST") await readBody(request, maxFormBytes)
      const html = await run(optOutPage(token, method === "POST"))
      if (html === undefined) reply(response, 404, notFoundPage, "text/html")
      else reply(response, 200, html, "text/html")
      return
    }
    if (method === "GET" && url.pathname === "/healthz") {
      reply(response, 200, json({ ok: true }))
      return
    }
    const allowed = methodsOf(url.pathname)
    if (allowed !== undefined) {
      reply(response, 405, json({ error: `${request.method} is not taken here: use ${allowed}` }), "application/json", {
        allow: allowed
      })
      return
    }
    reply(response, 404, json({ error: "not found" }))
  }

  const headersTimeout = options.headersTimeoutMs ?? 10_000
  const requestTimeout = options.requestTimeoutMs ?? 30_000
  const maxConnections = options.maxConnections ?? 500
  if (!(Number.isInteger(headersTimeout) && headersTimeout > 0 && headersTimeout <= requestTimeout)) {
    return yield* Effect.die(
      `the hub's HTTP headers timeout must be a whole number of ms above 0 and at most the request timeout (${requestTimeout}), not ${headersTimeout}`
    )
  }
  if (!(Number.isInteger(maxConnections) && maxConnections > 0)) {
    return yield* Effect.die(`the hub's HTTP server needs at least 1 connection, not ${maxConnections}`)
  }
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: 5_000,
      // Node looks for connections past these timeouts every this often (its default is 30 s).
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeout / 2))
    },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          response.setHeader("connection", "close")
          reply(response, 413, json({ error: "body too large" }))
          return
        }
        // A client that hung up is no failure of the hub's. Anything else is one, and its only trace is this log line:
        // the client hears no more than that it failed.
        if (!request.socket.destroyed) {
          void run(Effect.logError(`hub: ${request.method} ${loggedRoute(request.url)} failed`, error))
        }
        if (response.headersSent) response.destroy()
        else reply(response, 500, json({ error: "internal error" }))
      })
    }
  )
  server.maxConnections = maxConnections
  // Told once per spell at the limit (until a connection is taken again), not once per connection closed.
  let atLimit = false
  server.on("drop", () => {
    if (atLimit) return
    atLimit = true
    void run(
      Effect.logWarning(
        `hub: ${maxConnections} HTTP connections open, the most it holds: new ones are closed unanswered until one closes`
      )
    )
  })
  server.on("connection", () => {
    atLimit = false
  })
  yield* Effect.acquireRelease(
    Effect.callback<void, Error>((resume) => {
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(options.port, options.host, () => resume(Effect.void))
    }).pipe(Effect.orDie),
    () =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : options.port
  return { port, url: `http://${options.host}:${port}` }
})
