/** The error sign-in and role checks fail with. */
import { Schema } from "effect"

/**
 * Why the station did not take a badge or a call from whoever is signed in: an unreadable or unknown badge, a
 * manager's badge without its PIN, a PIN for a badge that signs in without one, a manager badge with no PIN in the
 * badge list, nobody signed in, a role the call does not allow, or a sign-in the database did not record. A wrong PIN
 * and a locked badge are answers of `session.enterPin` (`PinOutcome`), not errors.
 */
export class SessionError extends Schema.TaggedError<SessionError>()("SessionError", {
  reason: Schema.Literals([
    "badge-unreadable",
    "badge-unknown",
    "pin-required",
    "pin-not-needed",
    "pin-not-set",
    "not-signed-in",
    "role-required",
    "store-unavailable"
  ]),
  message: Schema.String
}) {}
