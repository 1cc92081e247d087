import { describe, expect, it } from "vitest"
import { admitCall, admitSocket, isLoopbackAddress } from "./RequestGuard.ts"

const json = { "content-type": "application/json", host: "127.0.0.1:8787" }

describe("which requests reach the station API", () => {
  it("takes JSON from the station's own origin, with or without a charset", () => {
    expect(admitCall("POST", { ...json, origin: "http://127.0.0.1:8787" }, "127.0.0.1")).toBeUndefined()
    expect(
      admitCall(
        "POST",
        { host: "localhost:8787", "content-type": "Application/JSON; charset=utf-8", origin: "http://localhost:8787" },
        "::1"
      )
    ).toBeUndefined()
  })

  it("refuses what an HTML form can send, whatever the origin", () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      expect(admitCall("POST", { ...json, "content-type": type }, "127.0.0.1")).toMatchObject({ status: 415 })
    }
    expect(admitCall("POST", { host: "127.0.0.1:8787" }, "127.0.0.1")).toMatchObject({ status: 415 })
    expect(admitCall("GET", json, "127.0.0.1")).toMatchObject({ status: 405 })
  })

  it("refuses other origins: another port, another host, a null or malformed origin, a path", () => {
    for (const origin of [
      "http://127.0.0.1:9999",
      "http://localhost:8787",
      "http://127.0.0.1",
      "null",
      "http://127.0.0.1:8787/",
      "ftp://127.0.0.1:8787",
      "not a url"
    ]) {
      expect(admitCall("POST", { ...json, origin }, "127.0.0.1"), origin).toMatchObject({
        status: 403,
        code: "foreign-origin"
      })
    }
  })

  it("lets a tool without Origin in from this machine only", () => {
    expect(admitCall("POST", json, "127.0.0.1")).toBeUndefined()
    expect(admitCall("POST", json, "::ffff:127.0.0.1")).toBeUndefined()
    expect(admitCall("POST", json, "192.0.2.7")).toMatchObject({ status: 403, code: "origin-required" })
    expect(admitSocket({ host: "127.0.0.1:8787" }, "::1")).toBeUndefined()
    expect(admitSocket({ host: "127.0.0.1:8787" }, "192.0.2.7")).toMatchObject({ status: 403 })
    expect(admitSocket({ host: "127.0.0.1:8787", origin: "http://evil.example" }, "127.0.0.1")).toMatchObject({
      status: 403
    })
  })

  it("knows loopback addresses", () => {
    expect(["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"].every(isLoopbackAddress)).toBe(true)
    expect(["10.0.0.1", "::ffff:10.0.0.1", "1127.0.0.1", undefined].some(isLoopbackAddress)).toBe(false)
  })
})
