/** Issuing and checking the signed session cookies of browser clients. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"

export const SESSION_COOKIE = "packbench_session"

/** A browser's session: the cookie to set, and the client id the station's sessions and audit know it by. */
export interface IssuedSession {
  readonly setCookie: string
  readonly clientId: string
}

export interface SessionCookies {
  /** The client a request's `Cookie` header names, or undefined when it carries no session this station issued. */
  readonly clientOf: (cookieHeader: string | undefined) => string | undefined
  readonly issue: () => IssuedSession
}

const cookieValue = (cookieHeader: string | undefined): string | undefined => {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=")
    if (name === SESSION_COOKIE) return rest.join("=")
  }
  return undefined
}

/**
 * Each browser gets its own session: a cookie `<id>.<mac>` with 128 random bits and an HMAC-SHA256 of them under the
 * station's session key, `HttpOnly` (no script reads it) and `SameSite=Strict`. Only cookies this station signed
 * are taken, so a value a page planted (cookies do not keep ports apart) is replaced rather than adopted, and the
 * signature lets sessions outlive a restart of the station with nothing stored. The client id derives from the id
 * by a hash: it names the session in the audit and the sessions' map without being the secret that opens it.
 */
export const makeSessionCookies = (key: string): SessionCookies => {
  const mac = (id: string) => createHmac("sha256", key).update(id).digest("base64url")
  const clientIdOf = (id: string) => `web-${createHash("sha256").update(id).digest("hex").slice(0, 12)}`
  return {
    clientOf: (cookieHeader) => {
      const value = cookieValue(cookieHeader)
      const match = value === undefined ? null : /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value)
      if (match === null) return undefined
      const [, id, signature] = match as unknown as [string, string, string]
      const expected = Buffer.from(mac(id))
      const given = Buffer.from(signature)
      return given.length === expected.length && timingSafeEqual(given, expected) ? clientIdOf(id) : undefined
    },
    issue: () => {
      const id = randomBytes(16).toString("base64url")
      return {
        setCookie: `${SESSION_COOKIE}=${id}.${mac(id)}; Path=/; HttpOnly; SameSite=Strict`,
        clientId: clientIdOf(id)
      }
    }
  }
}
