/** The interface a UI calls the station through, whether Electron's preload or the browser client. */
import type { WireResult } from "./ApiDispatcher.ts"
import type { PushMessage } from "./StationApi.ts"

/**
 * The one surface a UI talks to, whatever carries it: the Electron preload exposes exactly this as
 * `window.packbench`, and the browser client implements it over HTTP + WebSocket. Calls never reject for an API
 * failure (that is a WireResult with ok: false); they reject only when the transport itself is gone.
 */
export interface StationBridge {
  readonly call: (name: string, input: unknown) => Promise<WireResult>
  readonly onPush: (listener: (message: PushMessage) => void) => () => void
  /** "connected" while the transport works; the UI shows a banner otherwise. */
  readonly onConnection: (listener: (state: "connected" | "disconnected") => void) => () => void
}

export const BRIDGE_GLOBAL = "packbench"
export const IPC_CALL_CHANNEL = "api:call"
export const IPC_PUSH_CHANNEL = "api:push"
