/** The hub database migrations of the shop connectors' tables. */
import type { Migration } from "../../../core/store/Migrations.ts"

/**
 * The shop connectors' tables in the hub database (SQLite and PostgreSQL alike; see hubMigrations.ts for the rules
 * both dialects impose). Money is in cents, times in epoch milliseconds, both BIGINT.
 */
export const shopMigrations: ReadonlyArray<Migration> = [
  {
    id: 40,
    name: "shop connectors: orders and their versions, quarantine, inbox messages, parcels, the push queue and its audit",
    statements: [
      // One row per shop order: the version the stations last got, and the shop's change time it came from.
      `CREATE TABLE shop_orders (
        connector_id TEXT NOT NULL,
        shop_order_id TEXT NOT NULL,
        order_id TEXT NOT NULL UNIQUE,
        site_id TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        shop_updated_ms BIGINT NOT NULL,
        mapped TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        PRIMARY KEY (connector_id, shop_order_id)
      )`,
      "CREATE INDEX shop_orders_by_site ON shop_orders (site_id, state)",
      `CREATE TABLE shop_quarantine (
        quarantine_id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL,
        shop_order_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        payload TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX shop_quarantine_by_time ON shop_quarantine (received_at_ms)",
      // The shop side's inbox streams (`site:<site>`, `station:<site>/<station>`), numbered gap-free per stream.
      `CREATE TABLE shop_messages (
        msg_id TEXT PRIMARY KEY,
        stream TEXT NOT NULL,
        seq BIGINT NOT NULL,
        topic TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        published_at_ms BIGINT,
        UNIQUE (stream, seq)
      )`,
      "CREATE INDEX shop_messages_unpublished ON shop_messages (published_at_ms, created_at_ms)",
      // What each packed parcel of a shop order holds, from parcel.packed: its fulfillment names these units.
      `CREATE TABLE shop_parcels (
        parcel_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        items TEXT NOT NULL,
        carrier TEXT NOT NULL,
        tracking_number TEXT NOT NULL,
        recorded_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX shop_parcels_by_order ON shop_parcels (order_id)",
      // The durable push queue: numbered per connector, sent in that order, each once towards the shop.
      `CREATE TABLE shop_pushes (
        push_id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('fulfillment', 'refund')),
        idempotency_key TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        order_id TEXT NOT NULL,
        group_key TEXT NOT NULL,
        batch_id TEXT,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'done', 'failed', 'discarded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        last_error TEXT,
        result TEXT,
        created_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        done_at_ms BIGINT,
        UNIQUE (connector_id, seq)
      )`,
      "CREATE INDEX shop_pushes_open ON shop_pushes (connector_id, status, seq)",
      "CREATE INDEX shop_pushes_by_subject ON shop_pushes (kind, subject)",
      `CREATE TABLE shop_push_audit (
        audit_id TEXT PRIMARY KEY,
        push_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('retry', 'discard')),
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        at_ms BIGINT NOT NULL
      )`,
      // Per connector: the polling cursor, when the connector may be called again, and what went wrong last.
      `CREATE TABLE shop_connectors (
        connector_id TEXT PRIMARY KEY,
        poll_cursor TEXT,
        next_poll_ms BIGINT NOT NULL DEFAULT 0,
        poll_failures INTEGER NOT NULL DEFAULT 0,
        last_poll_ms BIGINT,
        last_order_ms BIGINT,
        last_push_ms BIGINT,
        next_push_ms BIGINT NOT NULL DEFAULT 0,
        push_failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_ms BIGINT
      )`,
      `CREATE TABLE shop_webhook_deliveries (
        connector_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL,
        PRIMARY KEY (connector_id, delivery_id)
      )`
    ]
  }
]

/** Migration 57, which hubMigrations.ts places after the hub's 56: address corrections join the push queue. */
export const shopPushAddressKind: Migration = {
  id: 57,
  name: "shop pushes: the customer's address correction as a third kind",
  statements: [
    // The kind's CHECK changes: the table is rebuilt (SQLite cannot alter a CHECK, and PostgreSQL named it itself).
    `CREATE TABLE shop_pushes_with_address (
        push_id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('fulfillment', 'refund', 'address')),
        idempotency_key TEXT NOT NULL UNIQUE,
        subject TEXT NOT NULL,
        order_id TEXT NOT NULL,
        group_key TEXT NOT NULL,
        batch_id TEXT,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'done', 'failed', 'discarded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        last_error TEXT,
        result TEXT,
        created_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        done_at_ms BIGINT,
        UNIQUE (connector_id, seq)
      )`,
    `INSERT INTO shop_pushes_with_address (push_id, connector_id, seq, kind, idempotency_key, subject, order_id,
         group_key, batch_id, payload, status, attempts, retries, next_attempt_ms, last_error, result, created_at_ms,
         updated_at_ms, done_at_ms)
       SELECT push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key, batch_id, payload, status,
         attempts, retries, next_attempt_ms, last_error, result, created_at_ms, updated_at_ms, done_at_ms
       FROM shop_pushes`,
    "DROP TABLE shop_pushes",
    "ALTER TABLE shop_pushes_with_address RENAME TO shop_pushes",
    "CREATE INDEX shop_pushes_open ON shop_pushes (connector_id, status, seq)",
    "CREATE INDEX shop_pushes_by_subject ON shop_pushes (kind, subject)"
  ]
}

/**
 * Migration 63, which hubMigrations.ts places after the hub's 62: failures that do not pass by waiting are counted, a
 * push is handed to a manager at a bound, and the catch-up says when it keeps failing so.
 */
export const shopPushHandOver: Migration = {
  id: 63,
  name: "shop pushes handed to a manager after failures that do not pass by themselves; the catch-up's such failures",
  statements: [
    // A push's failures that waiting does not cure (an answer the hub cannot read, credentials the shop refuses), since
    // it was queued or a manager last retried it: at the bound it is handed to a manager instead of tried again.
    "ALTER TABLE shop_pushes ADD COLUMN stuck_failures INTEGER NOT NULL DEFAULT 0",
    // Why a failed push waits for a manager: 'refused' (the shop said no, so a retry is a new request), 'malformed' or
    // 'unauthorized' (the hub gave up; the shop may have acted, so a retry sends the same request under its key).
    "ALTER TABLE shop_pushes ADD COLUMN failed_as TEXT",
    // Every push failed before was one the shop refused.
    "UPDATE shop_pushes SET failed_as = 'refused' WHERE status = 'failed'",
    // The catch-up's failures of that kind in a row, the kind and message of the last, and when the first came.
    "ALTER TABLE shop_connectors ADD COLUMN poll_stuck_failures INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE shop_connectors ADD COLUMN poll_problem_as TEXT",
    "ALTER TABLE shop_connectors ADD COLUMN poll_problem TEXT",
    "ALTER TABLE shop_connectors ADD COLUMN poll_problem_since_ms BIGINT"
  ]
}

/**
 * Migration 67, which hubMigrations.ts places after the hub's 66: the webhook deliveries replays can no longer reach are
 * pruned by age, per connector, which the primary key (connector, delivery) cannot find without reading every row of
 * the connector.
 */
export const shopWebhookDeliveriesByAge: Migration = {
  id: 67,
  name: "shop webhook deliveries by age, so those past the reach of a replay are pruned",
  statements: ["CREATE INDEX shop_webhook_deliveries_by_age ON shop_webhook_deliveries (connector_id, received_at_ms)"]
}

/**
 * Migration 90, which hubMigrations.ts places after the hub's 89: a voided return's refund pushes are read by the group
 * key its units were queued under (ShopOutbound's `RETURN_REFUND_PUSHES`), where the void read every open refund push
 * of every connector and parsed each one's payload. Only refunds are grouped by return: the index holds them alone.
 */
export const shopRefundPushesByGroup: Migration = {
  id: 90,
  name: "shop refund pushes by their return's group key, so a void reads its own return's refunds alone",
  statements: ["CREATE INDEX shop_pushes_refunds_by_group ON shop_pushes (group_key) WHERE kind = 'refund'"]
}
