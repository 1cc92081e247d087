/** A schema's decoder compiled to plain code, for the decodes run on every station event the hub takes. */
import { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"

/**
 * `Schema.decodeUnknownResult` with the schema compiled first by Effect's schema compiler (its documented fast path,
 * effect.website/docs/v4/schema/compilers): a value that fits is checked and decoded by generated code, with no
 * interpreter and no Effect run per value; one that does not fit is decoded again by the interpreter, which gives the
 * issue it always gave. So what is refused, and why, stays the same (`compiledDecoder.test.ts` holds the two to it
 * on hostile input). The compiling is done here, before the decoder first runs, and is costly: make each decoder
 * once, not per value.
 */
export const compiledDecoder = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  SchemaJITCompiler.enable(schema.ast)
  return Schema.decodeUnknownResult(schema)
}
