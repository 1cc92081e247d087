import { Schema } from "effect"

/**
 * Why the station did not take a badge or a call from whoever is signed in: an unreadable or unknown badge, nobody
 * signed in, a role the call does not allow, or a sign-in the database did not record.
 */
export class SessionError extends Schema.TaggedError<SessionError>()("SessionError", {
  reason: Schema.Literals(["badge-unreadable", "badge-unknown", "not-signed-in", "role-required", "store-unavailable"]),
  message: Schema.String
}) {}
