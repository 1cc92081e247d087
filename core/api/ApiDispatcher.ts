/** Runs one API call from any transport: decode the input, run the handler, answer a wire envelope. */
import { Cause, Effect, Schema } from "effect"
import { clockProblem } from "../bounds/Bounds.ts"
import { jsonBoundsProblem } from "../bounds/JsonBounds.ts"
import { decodeStrict } from "../decode/DecodeProblem.ts"
import { ApiError } from "./ApiError.ts"
import { type ApiInput, type ApiName, type ApiOutput, StationApi } from "./StationApi.ts"

export type ApiHandlers<R> = {
  readonly [N in ApiName]: (input: ApiInput<N>) => Effect.Effect<ApiOutput<N>, ApiError, R>
}

export type WireResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false
      readonly error: {
        readonly code: string
        readonly message: string
        readonly details?: ReadonlyArray<{ readonly path: string; readonly message: string }>
      }
    }

const isApiName = (name: string): name is ApiName => Object.hasOwn(StationApi, name)

const failure = (error: ApiError): WireResult => ({
  ok: false,
  error: {
    code: error.code,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details })
  }
})

const invalidInput = (name: string, details: ReadonlyArray<{ readonly path: string; readonly message: string }>) =>
  new ApiError({ code: "invalid-input", message: `Invalid input for ${name}`, details })

/** A JSON bounds problem (`$.at.wallMs is not a finite number`) as a decode problem (`at.wallMs`, the rest). */
const boundsDetail = (problem: string) => {
  const match = /^\$\.?(\S*) (.*)$/.exec(problem)
  return match === null ? { path: "", message: problem } : { path: match[1] ?? "", message: match[2] ?? problem }
}

/**
 * The time a call says its scan or reading happened (`at`, the API's convention for the event time), when it is more
 * than a day off the station's clock: a device time that far off is a broken clock or a forged call, and an event
 * stamped with it would sit in the hub's quarantine for ever.
 */
const atProblem = (input: unknown, nowMs: number) => {
  const at = typeof input === "object" && input !== null ? (input as { readonly at?: unknown }).at : undefined
  const wallMs = typeof at === "object" && at !== null ? (at as { readonly wallMs?: unknown }).wallMs : undefined
  return typeof wallMs === "number" ? clockProblem(wallMs, nowMs) : undefined
}

export interface DispatcherOptions<R> {
  /** The station's wall clock in ms, to refuse an `at` more than a day away from it. */
  readonly nowMs?: Effect.Effect<number, never, R>
  /**
   * Runs around every call marked `privileged` in the API map, refused ones included: the audit (who was signed in
   * before the call, and how it ended).
   */
  readonly privileged?: (
    name: string,
    input: unknown,
    run: Effect.Effect<WireResult, never, R>
  ) => Effect.Effect<WireResult, never, R>
}

/** Whether the API map marks the call as a privileged (audited) one. */
export const isPrivileged = (name: string): boolean =>
  isApiName(name) && (StationApi[name] as { readonly privileged?: boolean }).privileged === true

/**
 * Runs one call from any transport: checks the input's JSON is bounded (every number finite, strings and nesting
 * bounded: `JSON.parse` turns `1e400` into Infinity), decodes it with the API's schema, runs the handler, encodes
 * the output. It always answers with a WireResult; a defect in a handler is logged with its cause and reported as
 * `internal`, so the UI shows something a person can report instead of hanging.
 */
export const makeDispatcher =
  <R>(handlers: ApiHandlers<R>, options: DispatcherOptions<R> = {}) =>
  (name: string, input: unknown): Effect.Effect<WireResult, never, R> => {
    if (!isApiName(name)) {
      return Effect.succeed(failure(new ApiError({ code: "unknown-command", message: `No API call named "${name}"` })))
    }
    const spec = StationApi[name]
    const handler = handlers[name] as (input: unknown) => Effect.Effect<unknown, ApiError, R>
    const decode = decodeStrict(spec.input as Schema.Codec<unknown, unknown>)
    const encode = Schema.encodeUnknownEffect(spec.output as Schema.Codec<unknown, unknown>)
    const checkClock = (decoded: unknown) =>
      options.nowMs === undefined
        ? Effect.succeed(decoded)
        : Effect.flatMap(options.nowMs, (nowMs) => {
            const problem = atProblem(decoded, nowMs)
            return problem === undefined
              ? Effect.succeed(decoded)
              : Effect.fail(invalidInput(name, [{ path: "at.wallMs", message: `${problem} (more than a day)` }]))
          })
    const unbounded = jsonBoundsProblem(input ?? {})
    const run: Effect.Effect<WireResult, never, R> =
      unbounded !== undefined
        ? Effect.succeed(failure(invalidInput(name, [boundsDetail(unbounded)])))
        : decode(input ?? {}).pipe(
            Effect.mapError((details) => invalidInput(name, details)),
            Effect.flatMap(checkClock),
            Effect.flatMap(handler),
            Effect.flatMap((output) => encode(output).pipe(Effect.orDie)),
            Effect.map((value): WireResult => ({ ok: true, value })),
            Effect.catchTag("ApiError", (error) => Effect.succeed(failure(error))),
            Effect.catchCause((cause) =>
              Effect.logError(`API call ${name} failed`, Cause.pretty(cause)).pipe(
                Effect.as(
                  failure(
                    new ApiError({
                      code: "internal",
                      message: `${name} failed: ${Cause.pretty(cause).split("\n")[0]}`
                    })
                  )
                )
              )
            )
          )
    return options.privileged !== undefined && isPrivileged(name) ? options.privileged(name, input, run) : run
  }
