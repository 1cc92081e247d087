/** Admits or refuses the station's HTTP API calls and push sockets, by method, content type, origin and address. */
import type { IncomingHttpHeaders } from "node:http"

/** Why the station did not let a request through: the status to answer and the envelope's error. */
export interface Refusal {
  readonly status: number
  readonly code: string
  readonly message: string
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (how a dual-stack socket reports an IPv4 peer). */
export const isLoopbackAddress = (address: string | undefined): boolean =>
  address !== undefined && (/^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address) || address === "::1")

/**
 * Whether the page that sent the request is the station's own: the browser names it in `Origin`, which a page
 * cannot forge, and it must be this server as the request addressed it (`Host`, already checked against the
 * station's host names). A page on another port of the same machine is another origin (and the same *site*, so
 * SameSite cookies do not keep it out; this check does). Without `Origin` the request is not from a browser's page
 * (browsers send it on every POST and WebSocket): allowed only from this machine, for scripts and tools.
 */
const checkOrigin = (
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  what: string
): Refusal | undefined => {
  const origin = header(headers, "origin")
  if (origin === undefined) {
    return isLoopbackAddress(remoteAddress)
      ? undefined
      : {
          status: 403,
          code: "origin-required",
          message: `${what} from another machine must come from the station's page (no Origin header)`
        }
  }
  let parsed: URL | undefined
  try {
    parsed = new URL(origin)
  } catch {
    parsed = undefined
  }
  const host = header(headers, "host")
  const sameOrigin =
    parsed !== undefined &&
    (parsed.protocol === "http:" || parsed.protocol === "https:") &&
    host !== undefined &&
    parsed.host === host.toLowerCase() &&
    origin === parsed.origin
  return sameOrigin
    ? undefined
    : {
        status: 403,
        code: "foreign-origin",
        message: `${what} from a page of ${JSON.stringify(origin.slice(0, 200))} refused: only the station's own page may call it`
      }
}

/**
 * A call of the station API: `POST` with a JSON body from the station's own page (or a tool on this machine).
 * `Content-Type: application/json` keeps out what an HTML form can send (text/plain, urlencoded, multipart), and a
 * page elsewhere that sets it needs a CORS preflight the station never grants.
 */
export const admitCall = (
  method: string | undefined,
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined
): Refusal | undefined => {
  if (method !== "POST") return { status: 405, code: "method-not-allowed", message: "Use POST" }
  const type = (header(headers, "content-type") ?? "").split(";")[0]!.trim().toLowerCase()
  if (type !== "application/json") {
    return {
      status: 415,
      code: "unsupported-media-type",
      message: `API calls take Content-Type: application/json, not ${JSON.stringify(type.slice(0, 100) || "none")}`
    }
  }
  return checkOrigin(headers, remoteAddress, "An API call")
}

/** The push socket (`/api/events`): browsers let any page open a WebSocket anywhere, so its Origin is checked here. */
export const admitSocket = (headers: IncomingHttpHeaders, remoteAddress: string | undefined): Refusal | undefined =>
  checkOrigin(headers, remoteAddress, "The event socket")
