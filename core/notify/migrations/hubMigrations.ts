import type { Migration } from "../../store/Migrations.ts"
import { consumerMigrations } from "../../sync/ConsumerMigrations.ts"

/**
 * The hub database's history, run on SQLite and on PostgreSQL alike. Write SQL both accept (`?` placeholders are
 * the driver's business; BIGINT for milliseconds, since PostgreSQL's INTEGER is 32-bit; no AUTOINCREMENT, no
 * SQLite date functions, no INSERT OR IGNORE/REPLACE). Where the dialects cannot agree, a statement is
 * `{ sqlite: "…", postgres: "…" }` instead of a string (core/sync/ConsumerMigrations.ts does). A migration's test
 * goes into hubMigrations.suite.ts, which runs on both stores.
 * The sync consumer's own tables (9001+) come last so their ids stay reserved.
 */
export const hubMigrations: ReadonlyArray<Migration> = [
  {
    id: 1,
    name: "hub customers, orders, parcels, tracking timeline, notifications and their outbox",
    statements: [
      `CREATE TABLE hub_customers (
        customer_id TEXT PRIMARY KEY,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        email TEXT NOT NULL,
        locale TEXT NOT NULL,
        opted_out INTEGER NOT NULL DEFAULT 0,
        updated_at_ms BIGINT NOT NULL
      )`,
      `CREATE TABLE hub_orders (
        order_id TEXT PRIMARY KEY,
        order_version INTEGER NOT NULL,
        customer_id TEXT NOT NULL REFERENCES hub_customers (customer_id),
        brand TEXT NOT NULL,
        service_level TEXT NOT NULL,
        carrier TEXT NOT NULL,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        address_problems TEXT,
        updated_at_ms BIGINT NOT NULL
      )`,
      `CREATE TABLE hub_parcels (
        parcel_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        carrier TEXT NOT NULL,
        tracking_number TEXT NOT NULL,
        tracking_token TEXT NOT NULL UNIQUE,
        status TEXT,
        packed_at_ms BIGINT,
        handed_at_ms BIGINT,
        expected_delivery_date TEXT,
        expected_delivery_by_ms BIGINT,
        last_scan_at_ms BIGINT,
        delivered_at_ms BIGINT,
        updated_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX hub_parcels_by_tracking_number ON hub_parcels (carrier, tracking_number)",
      `CREATE TABLE hub_tracking_events (
        parcel_id TEXT NOT NULL REFERENCES hub_parcels (parcel_id),
        carrier_event_id TEXT NOT NULL,
        status TEXT NOT NULL,
        sub_reason TEXT,
        occurred_at_ms BIGINT NOT NULL,
        location TEXT,
        description TEXT,
        received_at_ms BIGINT NOT NULL,
        PRIMARY KEY (parcel_id, carrier_event_id)
      )`,
      `CREATE TABLE hub_notifications (
        notification_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        parcel_id TEXT,
        delay_reason TEXT,
        trigger_event_id TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        UNIQUE (kind, subject_id)
      )`,
      `CREATE TABLE hub_outbox (
        notification_id TEXT NOT NULL REFERENCES hub_notifications (notification_id),
        channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
        status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'suppressed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        deferred_reason TEXT,
        recipient TEXT,
        subject TEXT,
        attempt_started_ms BIGINT,
        interrupted_attempts INTEGER NOT NULL DEFAULT 0,
        sent_at_ms BIGINT,
        provider_response TEXT,
        last_error TEXT,
        PRIMARY KEY (notification_id, channel)
      )`,
      "CREATE INDEX hub_outbox_due ON hub_outbox (status, next_attempt_ms)",
      `CREATE TABLE hub_webhook_deliveries (
        delivery_id TEXT PRIMARY KEY,
        received_at_ms BIGINT NOT NULL
      )`
    ]
  },
  ...consumerMigrations
]
