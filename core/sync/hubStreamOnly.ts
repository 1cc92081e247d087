/** Refuses an inbound message only the hub may send when it came on another stream than the hub's. */
import { Effect } from "effect"
import type { InboxContext } from "./Inbox.ts"

/**
 * Only the hub publishes on a station's hub stream (`inbox/hub/<type>`, core/sync/BrokerRoles.ts); the shop side may
 * publish on the station's and the site's inbox. A message only the hub sends (its address correction, its refusal of
 * a refund, its alerts about the station's stream) is no hub's word on those, and fails with why: the inbox
 * quarantines it, and nothing of it is applied.
 */
export const hubStreamOnly = (context: InboxContext): Effect.Effect<void, string> =>
  context.stream === "hub"
    ? Effect.void
    : Effect.fail(`${context.type} comes from the hub's stream only (inbox/hub/…), not the ${context.stream} stream`)
