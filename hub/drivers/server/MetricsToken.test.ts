import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { bearerMatches, MetricsTokenError, metricsTokenFor } from "./MetricsToken.ts"

const dir = mkdtempSync(join(tmpdir(), "pb-metrics-token-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the hub's metrics token", () => {
  it("is made once on first start with mode 0600, unless one is configured", () => {
    const file = join(dir, "metrics-token")
    const made = metricsTokenFor(undefined, file)
    expect(made).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(metricsTokenFor(undefined, file)).toBe(made)
    expect(readFileSync(file, "utf8").trim()).toBe(made)
    expect(metricsTokenFor("a-configured-token-0123", file)).toBe("a-configured-token-0123")
  })

  it("refuses a configured token that is too short or has spaces, without repeating it", () => {
    for (const bad of ["short-secret", "a token with spaces 0123", ""]) {
      expect(() => metricsTokenFor(bad, join(dir, "unused"))).toThrow(MetricsTokenError)
      try {
        metricsTokenFor(bad, join(dir, "unused"))
      } catch (error) {
        if (bad !== "") expect((error as Error).message).not.toContain(bad)
      }
    }
  })

  it("matches only `Bearer <token>`, exactly", () => {
    const token = "the-metrics-token-0123456789"
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true)
    for (const header of [undefined, "", token, `bearer ${token}`, `Bearer ${token} `, `Bearer ${token}x`, "Bearer "]) {
      expect(bearerMatches(header, token), String(header)).toBe(false)
    }
  })
})
