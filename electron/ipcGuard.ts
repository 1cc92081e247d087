/** The main process's check of every IPC API call before it is relayed to the station. */
import { Effect, type Schema } from "effect"
import type { WireResult } from "../core/api/ApiDispatcher.ts"
import { type ApiName, StationApi } from "../core/api/StationApi.ts"
import { decodeStrict } from "../core/decode/DecodeProblem.ts"
import { isAppUrl } from "./appOrigin.ts"

/** What the guard needs of an `ipcMain.handle` event: the frame that sent it, gone (null) once it navigated away. */
export interface IpcSender {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null
}

export type GuardedCall =
  | { readonly ok: true; readonly name: ApiName; readonly input: unknown }
  | { readonly ok: false; readonly result: WireResult }

const refuse = (code: string, message: string): GuardedCall => ({
  ok: false,
  result: { ok: false, error: { code, message } }
})

/**
 * The main process's check of every `api:call` before anything is relayed to the station: it must come from the
 * app's own top-level page (not an iframe, not a page the window was somehow navigated to), name a call the API has,
 * and carry an input the call's schema accepts with no unknown keys. Anything else is answered here with an error
 * envelope; the station never sees it.
 */
export const guardIpcCall = (event: IpcSender, name: unknown, input: unknown): GuardedCall => {
  const frame = event.senderFrame
  if (frame === null || frame.parent !== null || !isAppUrl(frame.url)) {
    return refuse(
      "forbidden-sender",
      `API calls are only accepted from the Packbench page, not from ${frame?.url ?? "a closed frame"}`
    )
  }
  if (typeof name !== "string" || !Object.hasOwn(StationApi, name)) {
    return refuse("unknown-command", `No API call named ${JSON.stringify(name)}`)
  }
  const apiName = name as ApiName
  const decoded = Effect.runSync(
    Effect.result(decodeStrict(StationApi[apiName].input as Schema.Codec<unknown, unknown>)(input ?? {}))
  )
  if (decoded._tag === "Failure") {
    return {
      ok: false,
      result: {
        ok: false,
        error: { code: "invalid-input", message: `Invalid input for ${apiName}`, details: decoded.failure }
      }
    }
  }
  // The station decodes again; it is handed the input as sent (the encoded form its schema expects), not the decoded
  // value, so the two checks cannot disagree about a transformed field such as a timestamp.
  return { ok: true, name: apiName, input: input ?? {} }
}
