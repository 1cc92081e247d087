/** The one error every station API call can fail with, in the shape the UI translates and shows. */
import { Schema } from "effect"

/**
 * Every failure the UI can be shown. `code` is stable and the UI translates it (de/en); `message` is the English
 * text for logs and for codes the UI does not know yet; `details` lists per-field problems of invalid input.
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  code: Schema.String,
  message: Schema.String,
  details: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })))
}) {}

/**
 * The transport's error for a feature's tagged error: every feature names its failures with a `reason` that is the
 * stable code the UI translates, so a feature's handlers map its errors here and nowhere else.
 */
export const apiErrorOf = (error: {
  readonly reason: string
  readonly message: string
  readonly details?: ReadonlyArray<{ readonly path: string; readonly message: string }> | undefined
}): ApiError =>
  new ApiError({
    code: error.reason,
    message: error.message,
    ...(error.details === undefined ? {} : { details: error.details })
  })

/** What goes over every transport: a result or an error, never a bare exception. */
export const ApiEnvelope = <A extends Schema.Top>(value: A) =>
  Schema.Union([
    Schema.Struct({ ok: Schema.Literal(true), value }),
    Schema.Struct({
      ok: Schema.Literal(false),
      error: Schema.Struct({
        code: Schema.String,
        message: Schema.String,
        details: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })))
      })
    })
  ])
