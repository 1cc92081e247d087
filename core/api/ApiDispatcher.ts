/** Runs one API call from any transport: decode the input, run the handler, answer a wire envelope. */
import { Cause, Effect, Schema } from "effect"
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

/**
 * Runs one call from any transport: decodes the input with the API's schema, runs the handler, encodes the output.
 * It always answers with a WireResult; a defect in a handler is logged with its cause and reported as `internal`,
 * so the UI shows something a person can report instead of hanging.
 */
export const makeDispatcher =
  <R>(handlers: ApiHandlers<R>) =>
  (name: string, input: unknown): Effect.Effect<WireResult, never, R> => {
    if (!isApiName(name)) {
      return Effect.succeed(failure(new ApiError({ code: "unknown-command", message: `No API call named "${name}"` })))
    }
    const spec = StationApi[name]
    const handler = handlers[name] as (input: unknown) => Effect.Effect<unknown, ApiError, R>
    const decode = decodeStrict(spec.input as Schema.Codec<unknown, unknown>)
    const encode = Schema.encodeUnknownEffect(spec.output as Schema.Codec<unknown, unknown>)
    return decode(input ?? {}).pipe(
      Effect.mapError(
        (details) => new ApiError({ code: "invalid-input", message: `Invalid input for ${name}`, details })
      ),
      Effect.flatMap(handler),
      Effect.flatMap((output) => encode(output).pipe(Effect.orDie)),
      Effect.map((value): WireResult => ({ ok: true, value })),
      Effect.catchTag("ApiError", (error) => Effect.succeed(failure(error))),
      Effect.catchCause((cause) =>
        Effect.logError(`API call ${name} failed`, Cause.pretty(cause)).pipe(
          Effect.as(
            failure(
              new ApiError({ code: "internal", message: `${name} failed: ${Cause.pretty(cause).split("\n")[0]}` })
            )
          )
        )
      )
    )
  }
