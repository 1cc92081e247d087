import { describe, expect, it } from "vitest"
import type { WireResult } from "../../../core/api/ApiDispatcher.ts"
import type { PushMessage } from "../../../core/api/StationApi.ts"
import type { StationBridge } from "../../../core/api/StationBridge.ts"
import { ApiCallError } from "./ApiCallError.ts"
import { makeStationClient } from "./StationClient.ts"

const fakeBridge = (answer: (name: string, input: unknown) => WireResult) => {
  const calls: Array<[string, unknown]> = []
  const pushListeners = new Set<(message: PushMessage) => void>()
  const bridge: StationBridge = {
    call: async (name, input) => {
      calls.push([name, input])
      return answer(name, input)
    },
    onPush: (listener) => {
      pushListeners.add(listener)
      return () => pushListeners.delete(listener)
    },
    onConnection: () => () => {}
  }
  const push = (name: string, payload: unknown) => {
    for (const listener of pushListeners) listener({ name, payload } as PushMessage)
  }
  return { bridge, calls, push }
}

const operator = { badgeId: "B-1001", name: "Jonas Becker", role: "packer" }
const scanAt = { wallMs: 1_700_000_000_000, monoNs: "123" }

describe("StationClient", () => {
  it("passes name and input through and returns the decoded output", async () => {
    const { bridge, calls } = fakeBridge(() => ({ ok: true, value: operator }))
    const client = makeStationClient(bridge)
    const signedIn = await client.call("session.signIn", { badge: "B-1001" })
    expect(signedIn).toEqual(operator)
    expect(calls).toEqual([["session.signIn", { badge: "B-1001" }]])
  })

  it("throws an ApiCallError with code, message and details when the station refuses", async () => {
    const details = [{ path: "badge", message: 'Expected a value with a length of at least 1, got ""' }]
    const { bridge } = fakeBridge(() => ({
      ok: false,
      error: { code: "invalid-input", message: "Invalid input for session.signIn", details }
    }))
    const error = await makeStationClient(bridge)
      .call("session.signIn", { badge: "" })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect(error).toMatchObject({ call: "session.signIn", code: "invalid-input", details })
    expect((error as ApiCallError).message).toBe("Invalid input for session.signIn")
  })

  it("rejects an answer that does not match the output schema, naming the bad field", async () => {
    const { bridge } = fakeBridge(() => ({ ok: true, value: { ...operator, role: "boss" } }))
    const error = await makeStationClient(bridge)
      .call("session.signIn", { badge: "B-1001" })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).code).toBe("bad-response")
    expect((error as ApiCallError).details.map((problem) => problem.path)).toEqual(["role"])
  })

  it("lets a transport failure through unchanged", async () => {
    const bridge: StationBridge = {
      call: () => Promise.reject(new TypeError("Failed to fetch")),
      onPush: () => () => {},
      onConnection: () => () => {}
    }
    await expect(makeStationClient(bridge).call("station.status", {})).rejects.toThrow("Failed to fetch")
  })

  it("delivers only pushes of the subscribed name, decoded, and reports malformed ones", async () => {
    const { bridge, push } = fakeBridge(() => ({ ok: true, value: null }))
    const client = makeStationClient(bridge)
    const scans: Array<unknown> = []
    const bad: Array<[string, string]> = []
    client.onBadPush((name, problem) => bad.push([name, problem]))
    const stop = client.onPush("scan", (outcome) => scans.push(outcome.raw))
    const outcome = {
      raw: "4260123450014",
      source: "wedge",
      deviceId: "wedge",
      at: scanAt,
      identification: { kind: "gtin", valid: true },
      action: "identified",
      message: "gtin"
    }
    push("scan", outcome)
    push("event", { seq: 1, id: "e", type: "x", eventTimeMs: 1, actor: "a" })
    push("scan", { ...outcome, at: "yesterday" })
    stop()
    push("scan", outcome)
    expect(scans).toEqual(["4260123450014"])
    expect(bad).toHaveLength(1)
    expect(bad[0]?.[0]).toBe("scan")
    expect(bad[0]?.[1]).toContain("at")
  })
})
