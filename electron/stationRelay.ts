/** Relays API calls and pushes between the desktop window and the station's process. */
import type { WireResult } from "../core/api/ApiDispatcher.ts"
import type { PushMessage } from "../core/api/StationApi.ts"
import { type FromStation, isFromStation, type ToStation } from "./StationProcessMessage.ts"

/** The part of Electron's UtilityProcess the relay uses; tests pass an EventEmitter. */
export interface StationChild {
  readonly postMessage: (message: ToStation) => void
  readonly on: {
    (event: "message", listener: (message: unknown) => void): unknown
    (event: "exit", listener: (code: number) => void): unknown
  }
  readonly kill: () => boolean
}

export interface StationRelayEvents {
  readonly onReady: (ready: Extract<FromStation, { kind: "ready" }>) => void
  readonly onPush: (message: PushMessage) => void
  /** The station could not start; `message` is meant for the person at the bench. */
  readonly onFatal: (message: string) => void
  /** The process ended; `expected` is false when nobody asked it to. */
  readonly onExit: (code: number, expected: boolean) => void
  readonly log: (line: string) => void
}

export interface StationRelay {
  readonly call: (name: string, input: unknown) => Promise<WireResult>
  readonly isReady: () => boolean
  /** Asks the station to close its database and devices, and kills it if it has not exited after `timeoutMs`. */
  readonly close: (timeoutMs: number) => Promise<void>
}

const unavailable = (message: string): WireResult => ({ ok: false, error: { code: "station-unavailable", message } })

/**
 * The main process's side of the station process: numbers each call, matches results to calls by id, hands pushes
 * on, and when the process goes away answers every call still waiting, so no UI promise is left hanging.
 */
export const makeStationRelay = (child: StationChild, events: StationRelayEvents): StationRelay => {
  const pending = new Map<number, (result: WireResult) => void>()
  let nextId = 1
  let state: "starting" | "ready" | "closing" | "exited" = "starting"
  let markExited: () => void = () => {}
  const exited = new Promise<void>((resolve) => {
    markExited = resolve
  })

  child.on("message", (message) => {
    if (!isFromStation(message)) {
      events.log(`ignored a malformed message from the station process: ${JSON.stringify(message)}`)
      return
    }
    switch (message.kind) {
      case "ready":
        state = "ready"
        events.onReady(message)
        return
      case "result": {
        const resolve = pending.get(message.id)
        pending.delete(message.id)
        if (resolve === undefined) events.log(`the station answered call ${message.id}, which nobody is waiting for`)
        else resolve(message.result as WireResult)
        return
      }
      case "push":
        events.onPush(message.message as PushMessage)
        return
      case "fatal":
        events.onFatal(message.message)
        return
    }
  })

  child.on("exit", (code) => {
    const expected = state === "closing"
    state = "exited"
    for (const resolve of pending.values()) resolve(unavailable(`The station stopped (exit code ${code}).`))
    pending.clear()
    markExited()
    events.onExit(code, expected)
  })

  return {
    call: (name, input) => {
      if (state !== "ready") return Promise.resolve(unavailable(`The station is not running (${state}).`))
      const id = nextId++
      return new Promise<WireResult>((resolve) => {
        pending.set(id, resolve)
        child.postMessage({ kind: "call", id, name, input })
      })
    },
    isReady: () => state === "ready",
    close: async (timeoutMs) => {
      if (state === "exited") return
      state = "closing"
      child.postMessage({ kind: "close" })
      let timer: ReturnType<typeof setTimeout> | undefined
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs)
      })
      const outcome = await Promise.race([exited, timedOut])
      clearTimeout(timer)
      if (outcome === "timeout") {
        events.log(`the station did not close within ${timeoutMs} ms; stopping it`)
        child.kill()
      }
    }
  }
}
