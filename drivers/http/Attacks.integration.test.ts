import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PushMessage } from "../../core/api/StationApi.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import { apiClient, openPushSocket, rawRequest } from "../../fixtures/http/RawHttp.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { waitFor } from "../../fixtures/waitFor.ts"
import { loadConfig } from "../station/loadConfig.ts"
import { type RunningStation, startStation } from "../station/Station.ts"

/**
 * The attacks of issue #13 on the station's HTTP face, each as a request an attacker on the same machine (a web
 * page in the bench's browser, another local account's page on another port) would send, against a real station.
 * Every one of them worked before the station checked Origin, Content-Type and sessions; none may work again.
 */

let station: RunningStation
let dataDir: string
let base = ""
/** The embedded hub's address, as the station's start-up log names it. */
let hubUrl = ""
const EVIL = "http://127.0.0.1:9"

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pb-attacks-"))
  const config = loadConfig({
    cwd: dataDir,
    env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
  })
  const lines: Array<string> = []
  station = await startStation({ config, http: true, log: (line) => lines.push(line) })
  base = station.url!
  hubUrl =
    /Notification hub: tracking pages and carrier webhook on (http:\/\/[^;\s]+)/.exec(lines.join("\n"))?.[1] ?? ""
  expect(hubUrl).not.toBe("")
})

afterAll(async () => {
  await station?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A POST as an HTML form elsewhere sends it: `enctype="text/plain"` turns `name=value` into a JSON-looking body. */
const formPost = (name: string, body: string, origin: string | undefined) =>
  rawRequest(new URL(`/api/call/${name}`, base).href, {
    method: "POST",
    headers: { "content-type": "text/plain", ...(origin === undefined ? {} : { origin }) },
    body
  })

describe("a page on another origin cannot drive the station API", () => {
  it("refuses the text/plain form POST that signed in the manager badge, and the manager-only call after it", async () => {
    const signIn = await formPost("session.signIn", '{"badge":"B-9001","x":"="}', EVIL)
    expect(signIn.status).toBe(415)
    expect(signIn.json).toMatchObject({ ok: false, error: { code: "unsupported-media-type" } })
    const rules = await formPost("rules.replace", '{"rules":{"version":99,"rules":[]},"x":"="}', EVIL)
    expect(rules.status).toBe(415)
    // Nobody was signed in by it, anywhere: not the station's own client, not a page of the station.
    expect(await station.call("station.status", {})).toMatchObject({ ok: true, value: { operator: null } })
    expect((await apiClient(base).call("station.status")).json.value.operator).toBeNull()
    const events = await station.call("events.recent", { limit: 50 })
    expect(events.ok && (events.value as Array<{ type: string }>).map((event) => event.type)).not.toContain(
      "operator.signed-in"
    )
  })

  it("refuses a text/plain POST even without an Origin: only JSON is a call", async () => {
    const answer = await formPost("station.status", "{}", undefined)
    expect(answer.status).toBe(415)
  })

  it("refuses a JSON call from another origin, and from an opaque (null) origin", async () => {
    for (const origin of [EVIL, "null", "http://localhost:9", `${base}.evil.example`, "file://"]) {
      const answer = await apiClient(base, origin).call("session.signIn", { badge: "B-1001" })
      expect(answer.status, origin).toBe(403)
      expect(answer.json.error.code, origin).toBe("foreign-origin")
    }
    expect(await station.call("station.status", {})).toMatchObject({ value: { operator: null } })
  })

  it("takes a JSON call from the station's own page, and from a tool on this machine that sends no Origin", async () => {
    expect((await apiClient(base).call("station.status")).json.ok).toBe(true)
    expect((await apiClient(base, null).call("station.status")).json.ok).toBe(true)
  })

  it("refuses the event socket to a page on another origin; the station's own page and local tools get it", async () => {
    const foreign = await openPushSocket(base, { origin: EVIL })
    expect(foreign).toMatchObject({ opened: false, status: 403 })
    const own = await openPushSocket(base, { origin: new URL(base).origin })
    expect(own.opened).toBe(true)
    if (own.opened) own.socket.close()
    const tool = await openPushSocket(base, {})
    expect(tool.opened).toBe(true)
    if (tool.opened) tool.socket.close()
  })
})

describe("malformed requests get an answer that says what is wrong", () => {
  it("answers a path that is not valid percent-encoding with 400, not an internal error", async () => {
    const call = await rawRequest(`${base}/api/call/station.status%E0%A4%A`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}"
    })
    expect(call.status).toBe(400)
    expect(call.json).toMatchObject({ ok: false, error: { code: "bad-path" } })
    const page = await rawRequest(`${base}/assets/%E0%A4%A.js`)
    expect(page.status).toBe(400)
    expect(page.json).toMatchObject({ ok: false, error: { code: "bad-path" } })
    expect((await apiClient(base).call("station.status")).json.ok).toBe(true)
  })

  it("answers a body over 1 MB with 413 before closing, and keeps serving", async () => {
    const answer = await rawRequest(`${base}/api/call/station.status`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(2_000_000) })
    })
    expect(answer.status).toBe(413)
    expect(answer.json).toMatchObject({ ok: false, error: { code: "body-too-large" } })
    expect((await apiClient(base).call("station.status")).json.ok).toBe(true)
  })
})

describe("every browser has its own session", () => {
  it("sets an HttpOnly, SameSite=Strict cookie with a random id on the page and on calls", async () => {
    const page = await rawRequest(base)
    const cookie = String(page.headers["set-cookie"]?.[0])
    expect(cookie).toMatch(
      /^packbench_session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/
    )
    const again = String((await rawRequest(base)).headers["set-cookie"]?.[0])
    expect(again.split(";")[0]).not.toBe(cookie.split(";")[0])
    const call = await apiClient(base).call("station.status")
    expect(call.headers["set-cookie"]?.[0]).toMatch(/HttpOnly; SameSite=Strict$/)
    // The key that signs the cookies is the station's secret.
    expect(statSync(join(dataDir, "http-session-key")).mode & 0o777).toBe(0o600)
  })

  it("keeps one browser's operator from another: sign-ins, manager-only calls and status pushes", async () => {
    const packer = apiClient(base)
    const other = apiClient(base)
    expect((await packer.call("session.signIn", { badge: "B-1001" })).json.value.name).toBe("Jonas Becker")
    expect((await packer.call("station.status")).json.value.operator.badgeId).toBe("B-1001")
    expect((await other.call("station.status")).json.value.operator).toBeNull()
    expect((await other.call("pack.reprint", { parcelId: "P-1" })).json.error.code).toBe("not-signed-in")
    expect(await station.call("station.status", {})).toMatchObject({ value: { operator: null } })

    const listen = async (jar: Record<string, string>) => {
      const opened = await openPushSocket(base, { origin: new URL(base).origin, ...jar })
      if (!opened.opened) throw new Error(`socket refused: ${opened.status}`)
      const pushes: Array<PushMessage> = []
      opened.socket.on("message", (data) => pushes.push(JSON.parse(String(data))))
      return { pushes, close: () => opened.socket.close() }
    }
    const packerPushes = await listen(packer.jar.header)
    const otherPushes = await listen(other.jar.header)
    expect((await other.call("session.signIn", { badge: "B-2001" })).json.value.name).toBe("Mira Schulz")
    const statusOf = (pushes: Array<PushMessage>) =>
      pushes.filter((push) => push.name === "status").map((push) => (push.payload as { operator: unknown }).operator)
    // Each browser's socket gets the sign-in's status push in its own delivery: wait for each of them.
    await waitFor(
      "the other browser's status push after its sign-in",
      () => (statusOf(otherPushes.pushes).at(-1) as { badgeId?: string } | null | undefined)?.badgeId === "B-2001",
      10_000
    )
    await waitFor("a status push at the packer's browser", () => statusOf(packerPushes.pushes).length > 0, 10_000)
    expect(statusOf(otherPushes.pushes).at(-1)).toMatchObject({ badgeId: "B-2001" })
    expect(statusOf(packerPushes.pushes).at(-1)).toMatchObject({ badgeId: "B-1001" })
    // A scan's outcome is its sender's: the other browser does not see the packer's badge being scanned.
    await packer.call("scan.submit", { raw: "B-1001", source: "manual" })
    await waitFor(
      "the scan's outcome at the packer's browser",
      () => packerPushes.pushes.some((push) => push.name === "scan"),
      10_000
    )
    // Had it gone to the other browser too, it would have been sent with the packer's: give it the time to show.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(otherPushes.pushes.some((push) => push.name === "scan")).toBe(false)
    packerPushes.close()
    otherPushes.close()
    expect((await packer.call("station.status")).json.value.operator.badgeId).toBe("B-1001")
  })

  it("does not adopt a session id it did not issue (a cookie planted by a page on another port)", async () => {
    const planted = `packbench_session=${"A".repeat(22)}.${"B".repeat(43)}`
    const answer = await rawRequest(new URL("/api/call/station.status", base).href, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: planted },
      body: "{}"
    })
    expect(answer.json.ok).toBe(true)
    const issued = String(answer.headers["set-cookie"]?.[0]).split(";")[0]
    expect(issued).toMatch(/^packbench_session=/)
    expect(issued).not.toBe(planted)
  })
})

describe("numbers and text entering through the API are finite and plausible", () => {
  const orderCode = (() => {
    const encoded = encodePackbenchCode("order", "SO-100001")
    if (!encoded.ok) throw new Error(encoded.reason)
    return encoded.code
  })()
  let packer: ReturnType<typeof apiClient>
  const lastSeq = async () => (await packer.call("station.status")).json.value.lastSeq as number

  beforeAll(async () => {
    packer = apiClient(base)
    expect((await packer.call("session.signIn", { badge: "B-1001" })).json.ok).toBe(true)
  })

  it("refuses wallMs: 1e400 (JSON for Infinity) at the edge, appending nothing", async () => {
    const before = await lastSeq()
    // A scan the bench refuses is recorded as a pack.exception stamped with the scan's time.
    const answer = await packer.call("pack.scan", '{"raw":"4000000000006","at":{"wallMs":1e400,"monoNs":"1"}}')
    expect(answer.json).toMatchObject({
      ok: false,
      error: { code: "invalid-input", details: [{ path: "at.wallMs", message: "is not a finite number" }] }
    })
    expect(await lastSeq()).toBe(before)
    expect((await packer.call("pack.state")).json.value.order ?? null).toBeNull()
  })

  it("refuses a device time more than a day off the station's clock, and takes one near it", async () => {
    const before = await lastSeq()
    const now = Date.now()
    const ahead = await packer.call("pack.scan", { raw: orderCode, at: { wallMs: now + 3 * 86_400_000, monoNs: "1" } })
    expect(ahead.json.error).toMatchObject({ code: "invalid-input", details: [{ path: "at.wallMs" }] })
    expect(ahead.json.error.details[0].message).toMatch(/ahead of this clock/)
    const ancient = await packer.call("pack.scan", { raw: orderCode, at: { wallMs: 1, monoNs: "1" } })
    expect(ancient.json.error.code).toBe("invalid-input")
    expect(await lastSeq()).toBe(before)
    const fine = await packer.call("pack.scan", { raw: orderCode, at: { wallMs: now, monoNs: "1" } })
    expect(fine.json.value.order.orderId).toBe("SO-100001")
    const refused = await packer.call("pack.scan", { raw: "4000000000006", at: { wallMs: now, monoNs: "2" } })
    expect(refused.json.ok).toBe(true)
    expect(await lastSeq()).toBe(before + 1)
    expect((await packer.call("events.recent", { limit: 1 })).json.value[0]).toMatchObject({
      type: "pack.exception",
      eventTimeMs: now
    })
  })

  it("refuses weights no parcel has and quantities nobody packs", async () => {
    const before = await lastSeq()
    for (const grams of ["1e400", "-5", "0", "1000000000", "NaN"]) {
      const answer = await packer.call("pack.weight", `{"grams":${grams},"source":"typed"}`)
      expect(answer.json.ok, grams).toBe(false)
      expect(answer.json.error.code, grams).toMatch(/^invalid-(input|json)$/)
    }
    for (const quantity of [0, 10_000, 1.5, 1e300]) {
      expect((await packer.call("pack.quantity", { quantity })).json.error.code, String(quantity)).toBe("invalid-input")
    }
    expect(await lastSeq()).toBe(before)
  })

  it("bounds scan text: a 100,000-character scan is refused before it is looked at, and nothing stores it", async () => {
    const before = await lastSeq()
    for (const raw of ["A".repeat(100_000), "A".repeat(5_000)]) {
      const bench = await packer.call("pack.scan", { raw })
      expect(bench.json.error.code).toBe("invalid-input")
      const submitted = await packer.call("scan.submit", { raw, source: "manual", context: "pack" })
      expect(submitted.json.error.code).toBe("invalid-input")
    }
    expect(await lastSeq()).toBe(before)
    const nested = await packer.call(
      "scan.submit",
      `{"raw":"x","source":"manual","deviceId":${"[".repeat(50)}${"]".repeat(50)}}`
    )
    expect(nested.json.error.code).toBe("invalid-input")
  })
})

describe("the hub's pages and figures", () => {
  it("serves its pages with a CSP, no framing, no referrer and no sniffing", async () => {
    for (const path of [`/t/${"x".repeat(24)}`, `/f/${"x".repeat(24)}`, `/u/${"x".repeat(24)}`, "/healthz"]) {
      const answer = await rawRequest(`${hubUrl}${path}`)
      expect(answer.headers["content-security-policy"], path).toMatch(/default-src 'none'.*frame-ancestors 'none'/)
      expect(answer.headers["x-frame-options"], path).toBe("DENY")
      expect(answer.headers["referrer-policy"], path).toBe("no-referrer")
      expect(answer.headers["x-content-type-options"], path).toBe("nosniff")
    }
  })

  it("gives the customer figures only for the metrics token, which the embedded hub made on first start (0600)", async () => {
    const tokenFile = join(dataDir, "hub", "metrics-token")
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
    const token = readFileSync(tokenFile, "utf8").trim()
    expect(token.length).toBeGreaterThanOrEqual(32)
    for (const path of ["/metrics", "/metrics.csv"]) {
      const anonymous = await rawRequest(`${hubUrl}${path}`)
      expect(anonymous.status, path).toBe(401)
      expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer /)
      expect(anonymous.text).not.toContain("csat")
      for (const authorization of [`Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, token, `Basic ${token}`]) {
        expect((await rawRequest(`${hubUrl}${path}`, { headers: { authorization } })).status, authorization).toBe(401)
      }
      const allowed = await rawRequest(`${hubUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
      expect(allowed.status, path).toBe(200)
    }
    // The station's Manager screen asks through its own API, which sends the token.
    expect(await station.call("metrics.customer", { fromMs: 0, toMs: Date.now() })).toMatchObject({ ok: true })
  })

  it("shows the Shop card and takes decisions on shop pushes only with the hub's token", async () => {
    const token = readFileSync(join(dataDir, "hub", "metrics-token"), "utf8").trim()
    const decision = JSON.stringify({ pushId: "PUSH-1", action: "discard", reason: "x", actor: "B-9001 Evil" })
    const asks = [
      { path: "/shops/status", method: "GET", body: undefined },
      { path: "/shops/pushes/decision", method: "POST", body: decision }
    ]
    for (const { path, method, body } of asks) {
      const send = (headers: Record<string, string>) =>
        rawRequest(`${hubUrl}${path}`, {
          method,
          headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body })
        })
      const anonymous = await send({})
      expect(anonymous.status, path).toBe(401)
      expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer /)
      expect(Object.keys(anonymous.json as object)).toEqual(["error"])
      expect((await send({ authorization: `Bearer ${token}x` })).status, path).toBe(401)
      expect((await send({ authorization: `Bearer ${token}` })).status, path).not.toBe(401)
    }
    // The station's Shop card asks through its own API, which sends the token.
    expect(await station.call("shops.status", {})).toMatchObject({ ok: true })
  })
})

describe("a manager signs in with badge and PIN, and every privileged action is audited", () => {
  let manager: ReturnType<typeof apiClient>
  let packer: ReturnType<typeof apiClient>
  beforeAll(() => {
    manager = apiClient(base)
    packer = apiClient(base)
  })

  it("does not sign in a manager by the badge alone, nor with a wrong PIN", async () => {
    const alone = await manager.call("session.signIn", { badge: SAMPLE_MANAGER.badgeId })
    expect(alone.json.error.code).toBe("pin-required")
    const scanned = await manager.call("scan.submit", {
      raw: (() => {
        const code = encodePackbenchCode("badge", SAMPLE_MANAGER.badgeId)
        if (!code.ok) throw new Error(code.reason)
        return code.code
      })(),
      source: "manual"
    })
    expect(scanned.json.value).toMatchObject({ action: "pin-required", message: `${SAMPLE_MANAGER.name} (manager)` })
    const wrong = await manager.call("session.enterPin", { badge: SAMPLE_MANAGER.badgeId, pin: "0000" })
    expect(wrong.json.value).toEqual({ result: "wrong-pin", attemptsLeft: 4 })
    expect((await manager.call("station.status")).json.value.operator).toBeNull()
    expect((await manager.call("rules.replace", { rules: { version: 99, rules: [] } })).json.error.code).toBe(
      "not-signed-in"
    )
  })

  it("records who did a privileged action, when, from which client, and how it ended; only a manager reads it", async () => {
    expect((await packer.call("session.signIn", { badge: "B-1001" })).json.ok).toBe(true)
    const byPacker = await packer.call("pack.void", { parcelId: "P-NOPE", reason: "try" })
    expect(byPacker.json.error.code).toBe("role-required")
    expect((await packer.call("audit.recent", { limit: 10 })).json.error.code).toBe("role-required")

    const right = await manager.call("session.enterPin", { badge: SAMPLE_MANAGER.badgeId, pin: SAMPLE_MANAGER.pin })
    expect(right.json.value).toMatchObject({ result: "signed-in", operator: { badgeId: SAMPLE_MANAGER.badgeId } })
    const active = (await manager.call("rules.active")).json.value
    const before = Date.now()
    expect((await manager.call("rules.replace", { rules: active })).json.ok).toBe(true)

    const entries = (await manager.call("audit.recent", { limit: 20 })).json.value as Array<Record<string, unknown>>
    const managerClient = entries.find((entry) => entry.action === "rules.replace")?.clientId
    expect(managerClient).toMatch(/^web-[0-9a-f]{12}$/)
    expect(entries.slice(0, 5)).toMatchObject([
      {
        action: "rules.replace",
        outcome: "done",
        operator: { badgeId: SAMPLE_MANAGER.badgeId, role: "manager" },
        clientId: managerClient,
        clientAddress: expect.stringMatching(/127\.0\.0\.1$/)
      },
      {
        action: "session.enterPin",
        outcome: "done",
        operator: { badgeId: SAMPLE_MANAGER.badgeId },
        clientId: managerClient
      },
      {
        action: "pack.void",
        outcome: "refused",
        operator: { badgeId: "B-1001" },
        detail: expect.stringMatching(/^role-required/)
      },
      { action: "rules.replace", outcome: "refused", operator: null, clientId: managerClient },
      { action: "session.enterPin", outcome: "refused", detail: "wrong PIN, 4 tries left", clientId: managerClient }
    ])
    expect(entries[2]?.clientId).not.toBe(managerClient)
    expect(Number(entries[0]?.atMs)).toBeGreaterThanOrEqual(before - 1_000)

    // A manager's decision on a failed shop push is privileged too: recorded however the hub answers it.
    const decided = await manager.call("shops.decidePush", { pushId: "PUSH-NOPE", action: "discard", reason: "audit" })
    const latest = (await manager.call("audit.recent", { limit: 1 })).json.value as Array<Record<string, unknown>>
    expect(latest).toMatchObject([
      {
        action: "shops.decidePush",
        outcome: decided.json.ok === true ? "done" : "refused",
        operator: { badgeId: SAMPLE_MANAGER.badgeId, role: "manager" },
        clientId: managerClient,
        detail: expect.stringContaining("PUSH-NOPE")
      }
    ])
  })

  it("locks the manager badge after five wrong PINs: even the right PIN is refused then", async () => {
    const guesser = apiClient(base)
    const answers = []
    for (const pin of ["1111", "2222", "3333", "4444", "5555"]) {
      answers.push((await guesser.call("session.enterPin", { badge: SAMPLE_MANAGER.badgeId, pin })).json.value)
    }
    expect(answers.at(-1)).toMatchObject({ result: "locked" })
    const right = await guesser.call("session.enterPin", { badge: SAMPLE_MANAGER.badgeId, pin: SAMPLE_MANAGER.pin })
    expect(right.json.value).toMatchObject({ result: "locked" })
    expect((await guesser.call("station.status")).json.value.operator).toBeNull()
  })
})
