import { describe, expect, it } from "vitest"
import { makeSessionCookies, SESSION_COOKIE } from "./SessionCookies.ts"

const cookiePair = (setCookie: string) => setCookie.split(";")[0]!

describe("browser session cookies", () => {
  const cookies = makeSessionCookies("a-station-session-key-of-some-length")

  it("issues a new random session each time, recognised by the station that signed it", () => {
    const first = cookies.issue()
    const second = cookies.issue()
    expect(cookiePair(first.setCookie)).not.toBe(cookiePair(second.setCookie))
    expect(first.clientId).not.toBe(second.clientId)
    expect(first.clientId).toMatch(/^web-[0-9a-f]{12}$/)
    expect(cookies.clientOf(`theme=dark; ${cookiePair(first.setCookie)}`)).toBe(first.clientId)
    expect(first.setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Strict$/)
  })

  it("takes no cookie it did not sign: another key, a changed id, a planted value, none", () => {
    const issued = cookiePair(cookies.issue().setCookie)
    const [id, mac] = issued.slice(SESSION_COOKIE.length + 1).split(".") as [string, string]
    const other = makeSessionCookies("another-stations-session-key-000")
    expect(other.clientOf(issued)).toBeUndefined()
    const flipped = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`
    expect(cookies.clientOf(`${SESSION_COOKIE}=${flipped}.${mac}`)).toBeUndefined()
    expect(cookies.clientOf(`${SESSION_COOKIE}=${"A".repeat(22)}.${"B".repeat(43)}`)).toBeUndefined()
    expect(cookies.clientOf(`${SESSION_COOKIE}=`)).toBeUndefined()
    expect(cookies.clientOf(undefined)).toBeUndefined()
  })
})
