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
