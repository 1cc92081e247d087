/** The desktop app's `window.packbench`: the station bridge over IPC and nothing more. */
import type { WireResult } from "../core/api/ApiDispatcher.ts"
import type { PushMessage } from "../core/api/StationApi.ts"
import { IPC_CALL_CHANNEL, IPC_PUSH_CHANNEL, type StationBridge } from "../core/api/StationBridge.ts"
import { API_NAMES, PUSH_NAMES } from "./bridgeNames.ts"
import { IPC_CONNECTION_CHANNEL } from "./ipcConnectionChannel.ts"
import { isPlainJsonObject } from "./isPlainJson.ts"

/** The two ipcRenderer methods the bridge uses; the page never gets ipcRenderer itself, nor any IPC event object. */
export interface BridgeIpc {
  readonly invoke: (channel: string, ...args: Array<unknown>) => Promise<unknown>
  readonly on: (channel: string, listener: (event: unknown, ...args: Array<unknown>) => void) => unknown
}

type ConnectionState = "connected" | "disconnected"

const refusal = (code: string, message: string): WireResult => ({ ok: false, error: { code, message } })

const isConnectionState = (value: unknown): value is ConnectionState =>
  value === "connected" || value === "disconnected"

const isPushMessage = (value: unknown): value is PushMessage =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { name?: unknown }).name === "string" &&
  PUSH_NAMES.has((value as { name: string }).name) &&
  isPlainJsonObject((value as { payload?: unknown }).payload)

const isWireResult = (value: unknown): value is WireResult => {
  if (typeof value !== "object" || value === null) return false
  const result = value as { ok?: unknown; error?: { code?: unknown; message?: unknown } }
  if (result.ok === true) return "value" in result
  return (
    result.ok === false &&
    typeof result.error === "object" &&
    result.error !== null &&
    typeof result.error.code === "string" &&
    typeof result.error.message === "string"
  )
}

// A page listener that throws must not stop the others from hearing the message; its error still reaches DevTools.
const deliver = <T>(listeners: ReadonlySet<(value: T) => void>, value: T) => {
  for (const listener of listeners) {
    try {
      listener(value)
    } catch (error) {
      setTimeout(() => {
        throw error
      })
    }
  }
}

const requireFunction = (listener: unknown): void => {
  if (typeof listener !== "function") throw new TypeError("packbench: the listener must be a function")
}

/**
 * `window.packbench` in the Electron app: the StationBridge contract over IPC and nothing more. It refuses an unknown
 * call name or an input that is not a plain JSON object before anything is sent, and drops pushes and answers whose
 * shape is wrong, so the page only ever sees what the contract promises.
 */
export const makePreloadBridge = (ipc: BridgeIpc): StationBridge => {
  const pushListeners = new Set<(message: PushMessage) => void>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  let connection: ConnectionState | undefined
  const setConnection = (state: ConnectionState) => {
    if (state === connection) return
    connection = state
    deliver(connectionListeners, state)
  }

  ipc.on(IPC_PUSH_CHANNEL, (_event, message) => {
    if (isPushMessage(message)) deliver(pushListeners, message)
  })
  ipc.on(IPC_CONNECTION_CHANNEL, (_event, state) => {
    if (isConnectionState(state)) setConnection(state)
  })
  ipc.invoke(IPC_CONNECTION_CHANNEL).then(
    (state) => {
      if (connection === undefined && isConnectionState(state)) setConnection(state)
    },
    () => setConnection("disconnected")
  )

  return {
    call: async (name, input) => {
      if (typeof name !== "string" || !API_NAMES.has(name)) {
        return refusal("unknown-command", `No API call named ${JSON.stringify(name)}`)
      }
      if (input !== undefined && !isPlainJsonObject(input)) {
        return refusal("invalid-input", `The input for ${name} must be a plain JSON object`)
      }
      const result = await ipc.invoke(IPC_CALL_CHANNEL, name, input ?? {})
      return isWireResult(result) ? result : refusal("internal", `The answer to ${name} was malformed`)
    },
    onPush: (listener) => {
      requireFunction(listener)
      pushListeners.add(listener)
      return () => void pushListeners.delete(listener)
    },
    onConnection: (listener) => {
      requireFunction(listener)
      connectionListeners.add(listener)
      if (connection !== undefined) listener(connection)
      return () => void connectionListeners.delete(listener)
    }
  }
}
