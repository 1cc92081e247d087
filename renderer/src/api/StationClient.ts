/** The UI's typed client of the station API, over IPC or HTTP and WebSocket alike. */
import { Schema } from "effect"
import {
  type ApiInput,
  type ApiName,
  type ApiOutput,
  type PushName,
  type PushPayload,
  StationApi,
  StationPushes
} from "../../../core/api/StationApi.ts"
import type { StationBridge } from "../../../core/api/StationBridge.ts"
import { describeIssue } from "../../../core/decode/DecodeProblem.ts"
import { ApiCallError } from "./ApiCallError.ts"

export type ConnectionState = "connected" | "disconnected"

export interface StationClient {
  readonly call: <N extends ApiName>(name: N, input: ApiInput<N>) => Promise<ApiOutput<N>>
  readonly onPush: <P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void) => () => void
  readonly onConnection: (listener: (state: ConnectionState) => void) => () => void
  /**
   * Pushes whose payload did not match the schema are dropped, never handed to the UI; this reports them so they
   * are not lost silently.
   */
  readonly onBadPush: (listener: (name: string, problem: string) => void) => () => void
}

const decodeWith = (schema: Schema.Top, value: unknown) =>
  Schema.decodeUnknownResult(schema as Schema.Codec<unknown, unknown>)(value, { errors: "all" })

const isPushName = (name: string): name is PushName => Object.hasOwn(StationPushes, name)

/**
 * The typed face of a StationBridge: names, inputs and outputs are checked against core's API map at compile time,
 * and every answer and push is decoded with the map's schemas here, so a payload that drifted from the contract
 * fails at this edge with the offending fields named instead of deep inside a view.
 */
export const makeStationClient = (bridge: StationBridge): StationClient => {
  const badPushListeners = new Set<(name: string, problem: string) => void>()
  return {
    call: async (name, input) => {
      const result = await bridge.call(name, input)
      if (!result.ok) throw new ApiCallError(name, result.error.code, result.error.message, result.error.details)
      const decoded = decodeWith(StationApi[name].output, result.value)
      if (decoded._tag === "Failure") {
        const details = describeIssue(decoded.failure.issue)
        throw new ApiCallError(
          name,
          "bad-response",
          `The station's answer to ${name} is not what the API says`,
          details
        )
      }
      return decoded.success as ApiOutput<typeof name>
    },
    onPush: (name, listener) =>
      bridge.onPush((message) => {
        if (message.name !== name || !isPushName(message.name)) return
        const decoded = decodeWith(StationPushes[message.name], message.payload)
        if (decoded._tag === "Failure") {
          const problem = describeIssue(decoded.failure.issue)
            .map((item) => `${item.path}: ${item.message}`)
            .join("; ")
          for (const report of badPushListeners) report(message.name, problem)
          return
        }
        listener(decoded.success as PushPayload<typeof name>)
      }),
    onConnection: (listener) => bridge.onConnection(listener),
    onBadPush: (listener) => {
      badPushListeners.add(listener)
      return () => badPushListeners.delete(listener)
    }
  }
}
