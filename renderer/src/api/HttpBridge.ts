/** The station bridge for browsers: API calls over HTTP and pushes over a WebSocket. */
import type { WireResult } from "../../../core/api/ApiDispatcher.ts"
import type { PushMessage } from "../../../core/api/StationApi.ts"
import type { StationBridge } from "../../../core/api/StationBridge.ts"
import type { ConnectionState } from "./StationClient.ts"

/** The part of the browser WebSocket the bridge uses, so tests can hand it a fake socket. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { readonly data: unknown }) => void) | null
  close: () => void
}

export interface HttpBridgeOptions {
  /** The station's origin, e.g. `http://127.0.0.1:8080`; the UI is served from it, so normally `location.origin`. */
  readonly baseUrl: string
  readonly fetch?: typeof fetch
  readonly openSocket?: (url: string) => SocketLike
  readonly setTimer?: (run: () => void, ms: number) => unknown
  readonly clearTimer?: (timer: unknown) => void
  /** First reconnect delay; it doubles after every failed attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number
  readonly maxBackoffMs?: number
}

export interface HttpBridge extends StationBridge {
  readonly close: () => void
}

const isWireResult = (value: unknown): value is WireResult =>
  typeof value === "object" &&
  value !== null &&
  ((value as { ok?: unknown }).ok === true ||
    ((value as { ok?: unknown }).ok === false && typeof (value as { error?: unknown }).error === "object"))

/**
 * The station API over HTTP (one POST per call) and a WebSocket for pushes. The socket reconnects by itself with
 * exponential backoff, so a restarted station or a flaky network heals without a page reload; the connection state
 * follows the socket, because a UI that misses pushes shows stale data even while single calls still work.
 */
export const makeHttpBridge = (options: HttpBridgeOptions): HttpBridge => {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const openSocket = options.openSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike)
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms))
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>))
  const initialBackoffMs = options.initialBackoffMs ?? 500
  const maxBackoffMs = options.maxBackoffMs ?? 10_000
  const eventsUrl = new URL("/api/events", options.baseUrl)
  eventsUrl.protocol = eventsUrl.protocol === "https:" ? "wss:" : "ws:"

  const pushListeners = new Set<(message: PushMessage) => void>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  let state: ConnectionState | undefined
  let failedAttempts = 0
  let socket: SocketLike | undefined
  let retryTimer: unknown
  let closed = false

  const setState = (next: ConnectionState) => {
    if (state === next) return
    state = next
    for (const listener of connectionListeners) listener(next)
  }

  const connect = () => {
    retryTimer = undefined
    if (closed) return
    const current = openSocket(eventsUrl.href)
    socket = current
    current.onopen = () => {
      failedAttempts = 0
      setState("connected")
    }
    current.onmessage = (event) => {
      if (typeof event.data !== "string") return
      let message: unknown
      try {
        message = JSON.parse(event.data)
      } catch {
        return
      }
      if (typeof message !== "object" || message === null || typeof (message as PushMessage).name !== "string") return
      for (const listener of pushListeners) listener(message as PushMessage)
    }
    // Browsers fire error then close for one failure; reconnecting from close alone keeps it to one attempt.
    current.onerror = () => {}
    current.onclose = () => {
      if (socket !== current) return
      socket = undefined
      setState("disconnected")
      if (closed) return
      const delay = Math.min(maxBackoffMs, initialBackoffMs * 2 ** failedAttempts)
      failedAttempts += 1
      retryTimer = setTimer(connect, delay)
    }
  }
  connect()

  return {
    call: async (name, input) => {
      const response = await doFetch(new URL(`/api/call/${encodeURIComponent(name)}`, options.baseUrl).href, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input ?? {})
      })
      const text = await response.text()
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        throw new Error(`The station answered ${name} with HTTP ${response.status} and no JSON`)
      }
      if (!isWireResult(body))
        throw new Error(`The station answered ${name} with HTTP ${response.status}, not a result`)
      return body
    },
    onPush: (listener) => {
      pushListeners.add(listener)
      return () => pushListeners.delete(listener)
    },
    onConnection: (listener) => {
      connectionListeners.add(listener)
      if (state !== undefined) listener(state)
      return () => connectionListeners.delete(listener)
    },
    close: () => {
      closed = true
      if (retryTimer !== undefined) clearTimer(retryTimer)
      socket?.close()
    }
  }
}
