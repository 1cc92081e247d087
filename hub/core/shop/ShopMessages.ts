/** The shop side's numbered streams into the stations' inboxes. */
import { Effect } from "effect"
import { uuid7 } from "../../../core/events/Uuid7.ts"
import type { Sql } from "../../../core/store/Sql.ts"

/**
 * The shop side's streams into the stations' inboxes. Orders go to every station of the site that ships them
 * (`packbench/v1/<site>/all/inbox/<type>`, the station's "site" stream); a refund's answer goes to the station that
 * decided it (`packbench/v1/<site>/<station>/inbox/<type>`, its "station" stream). Each stream is numbered gap-free
 * by the hub's database, whichever connector wrote to it, so the three shops of a site share one sequence.
 */
export const ShopStream = {
  site: (siteId: string) => `site:${siteId}`,
  station: (siteId: string, stationId: string) => `station:${siteId}/${stationId}`
} as const

export const shopInboxTopic = {
  site: (siteId: string, type: string) => `packbench/v1/${siteId}/all/inbox/${type}`,
  station: (siteId: string, stationId: string, type: string) => `packbench/v1/${siteId}/${stationId}/inbox/${type}`
} as const

export interface ShopMessage {
  readonly stream: string
  readonly topic: string
  readonly type: string
  readonly version: number
  readonly payload: unknown
}

/** Records a message inside the caller's transaction, next in its stream; the publisher sends it after commit. */
export const enqueueShopMessage = (sql: Sql["Service"], message: ShopMessage, nowMs: number) =>
  Effect.gen(function* () {
    const rows = yield* sql.query<{ last: number | null }>(
      "SELECT MAX(seq) AS last FROM shop_messages WHERE stream = ?",
      [message.stream]
    )
    const seq = Number(rows[0]?.last ?? 0) + 1
    const msgId = yield* uuid7(nowMs)
    const body = { msgId, seq, type: message.type, version: message.version, payload: message.payload, sentAtMs: nowMs }
    yield* sql.execute(
      "INSERT INTO shop_messages (msg_id, stream, seq, topic, body, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
      [msgId, message.stream, seq, message.topic, JSON.stringify(body), nowMs]
    )
    return seq
  })
