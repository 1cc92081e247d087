/** How a feature declares an event kind (type, version, payload schema, EPCIS mapping). */
import { Effect, Schema } from "effect"
import type { EpcisView } from "./Event.ts"

/**
 * A kind of event: its type name, payload version and schema, and how it maps onto EPCIS. Features declare their
 * events with `defineEvent` and append them through the EventLog, so every stored payload was encoded by its schema.
 */
export interface EventDefinition<Type extends string, Payload> {
  readonly type: Type
  readonly version: number
  readonly payload: Schema.Codec<Payload, unknown>
  readonly epcis?: (payload: Payload) => EpcisView
}

export const defineEvent = <const Type extends string, Payload>(definition: {
  readonly type: Type
  readonly version: number
  readonly payload: Schema.Codec<Payload, unknown>
  readonly epcis?: (payload: Payload) => EpcisView
}): EventDefinition<Type, Payload> => definition

/** Decodes a stored or received payload with its definition; a payload that does not fit is reported, never coerced. */
export const decodePayload = <Type extends string, Payload>(definition: EventDefinition<Type, Payload>, raw: unknown) =>
  Schema.decodeUnknownEffect(definition.payload)(raw).pipe(Effect.mapError((issue) => issue.message))
