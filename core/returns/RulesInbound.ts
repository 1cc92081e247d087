/** Installs the refund rule sets the shop sends through the inbox, newer versions only. */
import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { inboundVersion } from "../sync/InboundVersion.ts"
import type { Inbox } from "../sync/Inbox.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { RulesUpdated } from "./RulesEvents.ts"

/**
 * `rules.update` from the shop carries a whole refund rule set. A set older than the installed one is ignored. A
 * malformed set (the reason names rule and field), or one at a version no sender can have given (`inboundVersion`, the
 * rule of every versioned inbound type), fails the message, which the inbox quarantines with the reason, and the active
 * set stays in force. A set installed at such a version before versions were checked gives way to the next genuine one.
 */
export const registerRulesInbound = (
  inbox: Inbox["Service"],
  install: (raw: unknown) => Effect.Effect<unknown, ReturnsError>
) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    yield* inbox.register("rules.update", Schema.Struct({ rules: Schema.Unknown }), (update, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion("refund rule set", context.version, context.receivedAtMs)
        const rows = yield* sql.query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'rules_version'")
        const installed = Number(rows[0]?.value ?? 0)
        if (!received.supersedes(installed)) {
          return yield* log.append(RulesUpdated, {
            rulesVersion: context.version,
            applied: false,
            reason: `version ${context.version} is not newer than the installed version ${installed}`
          })
        }
        yield* install(update.rules).pipe(Effect.mapError((error) => `${error.reason}: ${error.message}`))
        yield* sql.execute(
          "INSERT INTO station_meta (key, value) VALUES ('rules_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [String(context.version)]
        )
        yield* log.append(RulesUpdated, { rulesVersion: context.version, applied: true, reason: "installed" })
      })
    )
  })
