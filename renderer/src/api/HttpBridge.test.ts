import { describe, expect, it } from "vitest"
import { makeHttpBridge, type SocketLike } from "./HttpBridge.ts"

class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null
  onclose: ((event: unknown) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  onmessage: ((event: { readonly data: unknown }) => void) | null = null
  closed = false
  constructor(readonly url: string) {}
  close() {
    this.closed = true
    this.onclose?.({})
  }
  drop() {
    this.onerror?.({})
    this.onclose?.({})
  }
}

/** A bridge on fake sockets and a hand-driven timer list, so reconnect timing is checked without waiting. */
const rig = (fetchImpl?: typeof fetch) => {
  const sockets: Array<FakeSocket> = []
  const timers: Array<{ run: () => void; ms: number; cleared: boolean }> = []
  const states: Array<string> = []
  const bridge = makeHttpBridge({
    baseUrl: "http://127.0.0.1:4711",
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    openSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    setTimer: (run, ms) => {
      const timer = { run, ms, cleared: false }
      timers.push(timer)
      return timer
    },
    clearTimer: (timer) => {
      ;(timer as { cleared: boolean }).cleared = true
    },
    initialBackoffMs: 100,
    maxBackoffMs: 1000
  })
  bridge.onConnection((state) => states.push(state))
  const fireTimer = () => {
    const timer = timers.shift()
    if (timer === undefined || timer.cleared) throw new Error("no pending timer")
    timer.run()
    return timer.ms
  }
  return { bridge, sockets, timers, states, fireTimer }
}

describe("HttpBridge", () => {
  it("opens the push socket on the station's ws URL and forwards JSON pushes", () => {
    const { bridge, sockets } = rig()
    expect(sockets.map((socket) => socket.url)).toEqual(["ws://127.0.0.1:4711/api/events"])
    const received: Array<unknown> = []
    bridge.onPush((message) => received.push(message))
    sockets[0]!.onmessage?.({ data: JSON.stringify({ name: "event", payload: { seq: 3 } }) })
    sockets[0]!.onmessage?.({ data: "not json" })
    sockets[0]!.onmessage?.({ data: JSON.stringify({ payload: {} }) })
    expect(received).toEqual([{ name: "event", payload: { seq: 3 } }])
  })

  it("reports connection state and reconnects with doubling backoff, capped, reset after success", () => {
    const { sockets, states, fireTimer } = rig()
    sockets[0]!.onopen?.({})
    expect(states).toEqual(["connected"])
    sockets[0]!.drop()
    expect(states).toEqual(["connected", "disconnected"])
    const delays: Array<number> = []
    for (let attempt = 0; attempt < 6; attempt++) {
      delays.push(fireTimer())
      sockets[sockets.length - 1]!.drop()
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(states).toEqual(["connected", "disconnected"])
    fireTimer()
    sockets[sockets.length - 1]!.onopen?.({})
    expect(states).toEqual(["connected", "disconnected", "connected"])
    sockets[sockets.length - 1]!.drop()
    expect(fireTimer()).toBe(100)
  })

  it("tells a late listener the current state at once", () => {
    const { bridge, sockets } = rig()
    sockets[0]!.onopen?.({})
    const late: Array<string> = []
    bridge.onConnection((state) => late.push(state))
    expect(late).toEqual(["connected"])
  })

  it("stops reconnecting once closed", () => {
    const { bridge, sockets, timers } = rig()
    sockets[0]!.drop()
    bridge.close()
    expect(timers.every((timer) => timer.cleared)).toBe(true)
    expect(sockets).toHaveLength(1)
  })

  it("POSTs calls as JSON and returns the WireResult, even for HTTP error statuses", async () => {
    const requests: Array<[string, RequestInit | undefined]> = []
    const fetchImpl = (async (url: string, init?: RequestInit) => {
      requests.push([url, init])
      return url.endsWith("nope")
        ? new Response(JSON.stringify({ ok: false, error: { code: "method-not-allowed", message: "Use POST" } }), {
            status: 405
          })
        : new Response(JSON.stringify({ ok: true, value: { signedOut: true } }))
    }) as typeof fetch
    const { bridge } = rig(fetchImpl)
    expect(await bridge.call("session.signOut", {})).toEqual({ ok: true, value: { signedOut: true } })
    expect(requests[0]?.[0]).toBe("http://127.0.0.1:4711/api/call/session.signOut")
    expect(requests[0]?.[1]).toMatchObject({ method: "POST", body: "{}" })
    expect(await bridge.call("nope", {})).toMatchObject({ ok: false, error: { code: "method-not-allowed" } })
  })

  it("rejects when the answer is not a WireResult", async () => {
    const fetchImpl = (async () => new Response("<html>proxy error</html>", { status: 502 })) as typeof fetch
    const { bridge } = rig(fetchImpl)
    await expect(bridge.call("station.status", {})).rejects.toThrow("HTTP 502")
  })
})
