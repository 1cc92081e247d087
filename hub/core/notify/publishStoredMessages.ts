/** Publishes the committed, not yet published rows of a hub message table to the broker, in order, and marks them sent. */
import { Effect } from "effect"
import type { Sql } from "../../../core/store/Sql.ts"
import type { Broker } from "../../../core/sync/Broker.ts"
import { encodeJson } from "../../../core/sync/Topics.ts"

interface MessageRow {
  readonly msg_id: string
  readonly topic: string
  readonly body: string
}

/**
 * One pass over `table` (`hub_messages` or `shop_messages`: a constant of the caller, never input): each unpublished
 * row in the order it was committed goes out at QoS 1 and is marked published once the broker accepted it. The first
 * failure or refusal ends the pass (with a warning naming `label`), so order is kept; the next pass retries it.
 * Returns how many went out.
 */
export const publishStoredMessages = (options: {
  readonly sql: Sql["Service"]
  readonly broker: Broker["Service"]
  readonly table: "hub_messages" | "shop_messages"
  readonly limit: number
  readonly label: string
  readonly nowMs: Effect.Effect<number>
}) =>
  Effect.gen(function* () {
    const { sql, broker, table, label } = options
    const rows = yield* sql.query<MessageRow>(
      `SELECT msg_id, topic, body FROM ${table} WHERE published_at_ms IS NULL
       ORDER BY created_at_ms, stream, seq LIMIT ${options.limit}`
    )
    let sent = 0
    for (const row of rows) {
      const ack = yield* broker
        .publish(row.topic, encodeJson(JSON.parse(row.body)), { qos: 1, timeoutMs: 10_000 })
        .pipe(Effect.result)
      if (ack._tag === "Failure") {
        yield* Effect.logWarning(`${label}: publish to ${row.topic} failed: ${ack.failure.message}`)
        break
      }
      // 0x10 (no subscribers yet) still counts: a station that was away asks for its streams again on reconnect.
      if (ack.success.reasonCode >= 0x80) {
        yield* Effect.logWarning(`${label}: ${row.topic} refused (reason code ${ack.success.reasonCode})`)
        break
      }
      yield* sql.execute(`UPDATE ${table} SET published_at_ms = ? WHERE msg_id = ?`, [yield* options.nowMs, row.msg_id])
      sent++
    }
    return sent
  })
