import { describe, expect, it } from "vitest"
import { guardIpcCall } from "./ipcGuard.ts"

const fromApp = { senderFrame: { url: "app://packbench/index.html", parent: null } }

describe("guardIpcCall", () => {
  it("accepts a known call with a valid input from the app's top-level page, passing the input on as sent", () => {
    expect(guardIpcCall(fromApp, "session.signIn", { badge: "B-1" })).toEqual({
      ok: true,
      name: "session.signIn",
      input: { badge: "B-1" }
    })
    expect(guardIpcCall(fromApp, "station.status", undefined)).toEqual({ ok: true, name: "station.status", input: {} })
  })

  it("refuses calls from other origins, from iframes and from closed frames", () => {
    for (const event of [
      { senderFrame: { url: "https://evil.example/index.html", parent: null } },
      { senderFrame: { url: "file:///work/main/renderer/dist/index.html", parent: null } },
      { senderFrame: { url: "app://packbench.evil/index.html", parent: null } },
      { senderFrame: { url: "app://packbench/index.html", parent: { url: "app://packbench/index.html" } } },
      { senderFrame: null }
    ]) {
      const guarded = guardIpcCall(event, "station.status", {})
      expect(guarded.ok).toBe(false)
      if (!guarded.ok) expect(guarded.result).toMatchObject({ ok: false, error: { code: "forbidden-sender" } })
    }
  })

  it("refuses unknown names, including inherited object keys", () => {
    for (const name of ["station.reboot", "constructor", "__proto__", 42, undefined]) {
      const guarded = guardIpcCall(fromApp, name, {})
      expect(guarded).toMatchObject({ ok: false, result: { ok: false, error: { code: "unknown-command" } } })
    }
  })

  it("refuses input the call's schema rejects, with a problem per field, and extra keys", () => {
    const wrongType = guardIpcCall(fromApp, "events.recent", { limit: "ten" })
    expect(wrongType).toMatchObject({ ok: false, result: { ok: false, error: { code: "invalid-input" } } })
    if (!wrongType.ok && !wrongType.result.ok) expect(wrongType.result.error.details?.[0]?.path).toBe("limit")
    const outOfRange = guardIpcCall(fromApp, "events.recent", { limit: 100_000 })
    expect(outOfRange).toMatchObject({ ok: false, result: { error: { code: "invalid-input" } } })
    const extraKey = guardIpcCall(fromApp, "session.signIn", { badge: "B-1", role: "manager" })
    expect(extraKey).toMatchObject({ ok: false, result: { error: { code: "invalid-input" } } })
    const notAnObject = guardIpcCall(fromApp, "printer.testPrint", "label")
    expect(notAnObject).toMatchObject({ ok: false, result: { error: { code: "invalid-input" } } })
  })
})
