/** The hub's alerts to a station about conflicts and quarantines in its event stream. */
import { Effect, Schema } from "effect"
import { Bounds } from "../bounds/Bounds.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { type ConflictRecord, recordConflict } from "./ConflictLog.ts"
import { hubStreamOnly } from "./hubStreamOnly.ts"
import type { Inbox } from "./Inbox.ts"

/**
 * The hub tells a station what it found wrong in that station's event stream (`inbox/hub/sync.alert`): a second
 * event at a sequence number already taken by another id (a conflict: the second one is quarantined, not taken for
 * a repeat), or an event quarantined in its place because it could never be applied. Both sides read it from here.
 */
export const SyncAlertMessage = Schema.Struct({
  kind: Schema.Literals(["conflict", "refused"]),
  epoch: Schema.String.check(Schema.isMaxLength(Bounds.maxIdChars)),
  seq: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: Bounds.maxCounter })),
  eventId: Schema.String.check(Schema.isMaxLength(Bounds.maxIdChars)),
  heldBy: Schema.optional(Schema.String.check(Schema.isMaxLength(Bounds.maxIdChars))),
  reason: Schema.String.check(Schema.isMaxLength(2_048))
})
export type SyncAlertMessage = typeof SyncAlertMessage.Type

/** The station takes the hub's alerts about its stream: recorded for the Manager screen, and raised at once. */
export const registerSyncAlerts = (inbox: Inbox["Service"], raise: (record: ConflictRecord) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const clock = yield* StationClock
    yield* inbox.register("sync.alert", SyncAlertMessage, (alert, context) =>
      Effect.gen(function* () {
        yield* hubStreamOnly(context)
        const record: ConflictRecord = {
          source: "hub:events",
          kind: alert.kind,
          epoch: alert.epoch,
          seq: alert.seq,
          refusedId: alert.eventId,
          ...(alert.heldBy === undefined ? {} : { keptId: alert.heldBy }),
          topic: `hub stream seq ${context.seq}`,
          reason: alert.reason
        }
        if (yield* recordConflict(sql, clock, record)) yield* raise(record)
      })
    )
  })
