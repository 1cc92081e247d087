/** The port that encodes an insert for the receipt printer, and its error. */
import { Context, type Effect, Schema } from "effect"
import type { InsertDocument } from "../insert/InsertDocument.ts"

export class InsertEncodingError extends Schema.TaggedError<InsertEncodingError>()("InsertEncodingError", {
  message: Schema.String
}) {}

/** Turns an insert into the receipt printer's bytes (ESC/POS); a driver implements it with its printer library. */
export class InsertEncoder extends Context.Service<
  InsertEncoder,
  { readonly encode: (document: InsertDocument) => Effect.Effect<Uint8Array, InsertEncodingError> }
>()("packbench/core/print/InsertEncoder") {}
