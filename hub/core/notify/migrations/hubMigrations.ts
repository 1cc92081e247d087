/** The hub database's migrations, for SQLite and PostgreSQL alike. */
import { LOCATION_BASE } from "../../../../core/events/Epcis.ts"
import type { Migration, MigrationStatement } from "../../../../core/store/Migrations.ts"
import { consumerMigrations } from "../../../../core/sync/ConsumerMigrations.ts"
import {
  shopMigrations,
  shopPushAddressKind,
  shopPushHandOver,
  shopRefundPushesByGroup,
  shopWebhookDeliveriesByAge
} from "../../shop/shopMigrations.ts"

/**
 * A migration's table of the orders the EPCIS transactions of `lookedUp` name (its rows `kind`, `biz_transaction`,
 * `event_id`; from a CTE `looked_up` whose body each dialect gives), with each order's id, its newest version the hub
 * knows (`known_version`) and the version a void of it stands for (`void_version`: its cancellation's while the hub
 * counts it cancelled, else the newest). `orderTransaction` percent-encodes the id (encodeURIComponent: "SO/3" is named
 * `urn:packbench:order:SO%2F3`), so the transaction's text is no order id: each is decoded to its UTF-8 bytes, written
 * as hex (an escape's two digits, any other character's own bytes), and compared with each order id's bytes, so a
 * malformed escape (`%ZZ`) finds no order and fails nothing, and an order whose literal id is another's escaped text
 * (`SO%2F3`) is not taken for it.
 */
const ordersByTransaction = (
  table: string,
  lookedUp: { readonly sqlite: string; readonly postgres: string }
): MigrationStatement => ({
  sqlite: `CREATE TABLE ${table} AS
          WITH RECURSIVE looked_up (kind, biz_transaction, event_id) AS (
            ${lookedUp.sqlite}
          ),
          decoding (kind, biz_transaction, event_id, rest, id_hex) AS (
            SELECT kind, biz_transaction, event_id, substr(biz_transaction, 21), '' FROM looked_up
            WHERE substr(biz_transaction, 1, 20) = 'urn:packbench:order:'
            UNION ALL
            SELECT kind, biz_transaction, event_id, substr(rest, CASE WHEN substr(rest, 1, 1) = '%' THEN 4 ELSE 2 END),
              id_hex || CASE WHEN substr(rest, 1, 1) = '%' THEN upper(substr(rest, 2, 2)) ELSE hex(substr(rest, 1, 1)) END
            FROM decoding WHERE rest <> ''
          )
          SELECT d.kind, d.biz_transaction, d.event_id, o.order_id, o.order_version AS known_version,
            CASE WHEN o.cancelled_at_ms IS NOT NULL THEN o.cancellation_version ELSE o.order_version END AS void_version
          FROM decoding d JOIN hub_orders o ON hex(o.order_id) = d.id_hex WHERE d.rest = ''`,
  postgres: `CREATE TABLE ${table} AS
          WITH RECURSIVE looked_up (kind, biz_transaction, event_id) AS (
            ${lookedUp.postgres}
          ),
          decoding (kind, biz_transaction, event_id, rest, id_hex) AS (
            SELECT kind, biz_transaction, event_id, substr(biz_transaction, 21), CAST('' AS TEXT) FROM looked_up
            WHERE substr(biz_transaction, 1, 20) = 'urn:packbench:order:'
            UNION ALL
            SELECT kind, biz_transaction, event_id, substr(rest, CASE WHEN substr(rest, 1, 1) = '%' THEN 4 ELSE 2 END),
              id_hex || CASE WHEN substr(rest, 1, 1) = '%' THEN upper(substr(rest, 2, 2))
                ELSE upper(encode(convert_to(substr(rest, 1, 1), 'UTF8'), 'hex')) END
            FROM decoding WHERE rest <> ''
          )
          SELECT d.kind, d.biz_transaction, d.event_id, o.order_id, o.order_version AS known_version,
            CASE WHEN o.cancelled_at_ms IS NOT NULL THEN o.cancellation_version ELSE o.order_version END AS void_version
          FROM decoding d JOIN hub_orders o ON upper(encode(convert_to(o.order_id, 'UTF8'), 'hex')) = d.id_hex
          WHERE d.rest = ''`
})

/**
 * A void in force whose transaction's text escapes its order's id (a `%`) and names another order literally: hub
 * migration 80 looked the order up by that text, and took that other order for the void's.
 */
const VOID_OF_A_LITERAL_ID = `reinstated_version IS NULL AND biz_transaction LIKE '%!%%' ESCAPE '!'
  AND EXISTS (SELECT 1 FROM hub_orders l WHERE l.order_id = substr(hub_epcis_voided_transactions.biz_transaction, 21))`

/** A void taken back whose transaction's text names another order literally (`VOID_OF_A_LITERAL_ID`'s, taken back). */
const TAKEN_BACK_OF_A_LITERAL_ID = `reinstated_version IS NOT NULL AND biz_transaction LIKE '%!%%' ESCAPE '!'
  AND EXISTS (SELECT 1 FROM hub_orders l WHERE l.order_id = substr(hub_epcis_voided_transactions.biz_transaction, 21))`

/** Each dialect's text of `ms` (milliseconds since 1970) as EPCIS writes a time: `toISOString`'s form, in UTC. */
const isoTime = {
  sqlite: (ms: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${ms} / 1000.0, 'unixepoch')`,
  postgres: (ms: string) => `to_char(to_timestamp(${ms} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

/** SQLite's text of a random UUID (version 4, RFC 9562 §5.4), for an event a migration exports. */
const SQLITE_UUID4 = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
              || substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-'
              || hex(randomblob(6)))`

/** Each dialect's clock, in ms since 1970: a migration reads no settings, and no clock of the hub's. */
const databaseNowMs = {
  sqlite: "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
  postgres: "CAST(floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)"
}

/**
 * Hub migration 94's voids in force (`hub_epcis_migration_94`, with their orders) of an order whose cancellation the
 * hub took back at a version not before the void's (and one a sender can have given by the database's clock,
 * `Bounds.clockSkewMs` past it), with the void's exported row where it is kept (`e`) and the shop connector that
 * keeps the order, if one does (the first by id).
 */
const HUB_TOOK_BACK = (nowMs: string) => `FROM hub_epcis_migration_94 m
          JOIN hub_epcis_voided_transactions v ON v.biz_transaction = m.biz_transaction
          JOIN hub_orders o ON o.order_id = m.order_id
          LEFT JOIN hub_epcis_events e ON e.event_id = v.event_id
          WHERE v.reinstated_version IS NULL AND o.cancelled_at_ms IS NULL AND v.order_version <= o.cancellation_version
            AND o.cancellation_version <= ${nowMs} + 86400000`

/** The voids in force that keep a version, as `ordersByTransaction` looks their orders up (hub migrations 88 and 94). */
const VOIDS_IN_FORCE_WITH_A_VERSION = {
  sqlite: `SELECT 'void', biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE reinstated_version IS NULL AND order_version IS NOT NULL`,
  postgres: `SELECT CAST('void' AS TEXT), biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE reinstated_version IS NULL AND order_version IS NOT NULL`
}

/**
 * Exports each row of `words` (biz_transaction, connector_id, site_id, station_id, version, event_id, at_ms,
 * site_location) as the hub's word of the shop's stream taking a void back, as `recordReinstatement` exports one:
 * `shop.order-reinstated`, filed under epoch `shop` and the version, with the offset +00:00 (the hub's zone is its
 * settings', which a migration does not read), the connector as its source (its readPoint names it when its id needs no
 * escape) and no `packbench:connector` member without one (json_patch drops a null, RFC 7396; jsonb_strip_nulls too).
 */
const insertShopReinstatements = (words: string): MigrationStatement => ({
  sqlite: `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
            document)
          SELECT event_id, site_id, station_id, 'shop', version, at_ms, at_ms, json_patch(json_object(
            'type', 'TransactionEvent', 'eventID', 'urn:uuid:' || event_id,
            'eventTime', ${isoTime.sqlite("at_ms")}, 'eventTimeZoneOffset', '+00:00',
            'recordTime', ${isoTime.sqlite("at_ms")},
            'action', 'ADD', 'bizStep', 'other', 'epcList', json('[]'),
            'bizTransactionList', json_array(json_object('type', 'po', 'bizTransaction', biz_transaction)),
            'readPoint', json_object('id', CASE WHEN connector_id NOT GLOB '*[^A-Za-z0-9_.!~*''()-]*'
              THEN '${LOCATION_BASE}/shop/' || connector_id ELSE '${LOCATION_BASE}/shop' END),
            'bizLocation', json_object('id', site_location),
            'packbench:eventType', 'shop.order-reinstated', 'packbench:orderVersion', version),
            json_object('packbench:connector', connector_id))
          FROM ${words}`,
  postgres: `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
            document)
          SELECT event_id, site_id, station_id, 'shop', version, at_ms, at_ms, CAST(jsonb_strip_nulls(jsonb_build_object(
            'type', 'TransactionEvent', 'eventID', 'urn:uuid:' || event_id,
            'eventTime', ${isoTime.postgres("at_ms")}, 'eventTimeZoneOffset', '+00:00',
            'recordTime', ${isoTime.postgres("at_ms")},
            'action', 'ADD', 'bizStep', 'other', 'epcList', jsonb_build_array(),
            'bizTransactionList', jsonb_build_array(jsonb_build_object('type', 'po', 'bizTransaction', biz_transaction)),
            'readPoint', jsonb_build_object('id', CASE WHEN connector_id ~ '^[A-Za-z0-9_.!~*''()-]+$'
              THEN '${LOCATION_BASE}/shop/' || connector_id ELSE '${LOCATION_BASE}/shop' END),
            'bizLocation', jsonb_build_object('id', site_location),
            'packbench:eventType', 'shop.order-reinstated', 'packbench:connector', connector_id,
            'packbench:orderVersion', version)) AS TEXT)
          FROM ${words}`
})

/** The voids `words` names are taken back at its version: only a cancellation at or after it voids the order again. */
const takenBackAsWords = (words: string) =>
  `UPDATE hub_epcis_voided_transactions SET reinstated_version = (SELECT w.version FROM ${words} w
         WHERE w.biz_transaction = hub_epcis_voided_transactions.biz_transaction)
       WHERE biz_transaction IN (SELECT biz_transaction FROM ${words})`

/**
 * Hub migration 88's voids in force (`hub_epcis_migration_88`, with their orders) of an order the hub does not count
 * cancelled whose shop connector's state is not cancelled at a version the void's is not after, with the void's
 * exported row where it is kept (`e`).
 */
const SHOP_TOOK_BACK = `FROM hub_epcis_migration_88 m
          JOIN hub_epcis_voided_transactions v ON v.biz_transaction = m.biz_transaction
          JOIN hub_orders o ON o.order_id = m.order_id
          JOIN shop_orders s ON s.order_id = m.order_id
          LEFT JOIN hub_epcis_events e ON e.event_id = v.event_id
          WHERE o.cancelled_at_ms IS NULL AND s.state NOT IN ('cancelled', 'awaiting-payment')
            AND v.order_version <= s.version`

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
  {
    id: 10,
    name: "customer metrics: feedback answers, order placement times and received returns",
    statements: [
      // One feedback request per parcel; its token is the secret in the feedback page's URL.
      `CREATE TABLE hub_feedback (
        parcel_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        requested_at_ms BIGINT NOT NULL,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        comment TEXT,
        answered_at_ms BIGINT
      )`,
      "CREATE INDEX hub_feedback_by_answer ON hub_feedback (answered_at_ms)",
      // When each order was placed and by whom, as first seen: the repurchase rate counts orders per customer.
      `CREATE TABLE hub_metrics_orders (
        order_id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        placed_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX hub_metrics_orders_by_placed ON hub_metrics_orders (placed_at_ms)",
      // Only what the return rate needs from return.received; return notifications keep their own state.
      `CREATE TABLE hub_metrics_returns (
        return_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        parcel_id TEXT,
        received_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX hub_metrics_returns_by_order ON hub_metrics_returns (order_id)"
    ]
  },
  {
    id: 20,
    name: "refunded units behind each refund mail",
    statements: [
      // One row per refunded unit (the station issues each unit once); the refund mail sums its subject's rows.
      `CREATE TABLE hub_refund_notice_units (
        order_id TEXT NOT NULL,
        line_id TEXT NOT NULL,
        unit INTEGER NOT NULL,
        refund_subject TEXT NOT NULL,
        shop_refund_id TEXT NOT NULL,
        amount_minor BIGINT NOT NULL,
        currency TEXT NOT NULL,
        event_id TEXT NOT NULL,
        recorded_at_ms BIGINT NOT NULL,
        PRIMARY KEY (order_id, line_id, unit)
      )`,
      "CREATE INDEX hub_refund_notice_units_by_subject ON hub_refund_notice_units (refund_subject)"
    ]
  },
  {
    id: 21,
    name: "unsubscribe tokens, opt-out time and why a mail was suppressed",
    statements: [
      `CREATE TABLE hub_unsubscribe_tokens (
        token TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL UNIQUE REFERENCES hub_customers (customer_id),
        created_at_ms BIGINT NOT NULL
      )`,
      "ALTER TABLE hub_customers ADD COLUMN opted_out_at_ms BIGINT",
      "ALTER TABLE hub_outbox ADD COLUMN suppressed_reason TEXT"
    ]
  },
  {
    id: 22,
    name: "carrier polling: backoff per carrier, feed cursor per parcel",
    statements: [
      `CREATE TABLE hub_carrier_polls (
        carrier TEXT PRIMARY KEY,
        next_poll_ms BIGINT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_polled_ms BIGINT,
        last_error TEXT
      )`,
      `CREATE TABLE hub_parcel_poll_cursors (
        parcel_id TEXT PRIMARY KEY REFERENCES hub_parcels (parcel_id),
        cursor TEXT NOT NULL,
        updated_at_ms BIGINT NOT NULL
      )`
    ]
  },
  {
    id: 30,
    name: "hub refund ledger: what each order paid, one refund claim per unit, rejections, messages to stations and shop",
    statements: [
      `CREATE TABLE hub_refund_orders (
        order_id TEXT PRIMARY KEY,
        order_version INTEGER NOT NULL,
        currency TEXT NOT NULL,
        paid_cents BIGINT NOT NULL,
        lines TEXT NOT NULL
      )`,
      `CREATE TABLE hub_refund_claims (
        order_id TEXT NOT NULL,
        line_id TEXT NOT NULL,
        unit_key TEXT NOT NULL,
        item_ref TEXT NOT NULL UNIQUE,
        return_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        serial TEXT,
        outcome TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('requested', 'issued')),
        decided_event_id TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        issued_at_ms BIGINT,
        PRIMARY KEY (order_id, line_id, unit_key)
      )`,
      `CREATE TABLE hub_refund_rejections (
        decided_event_id TEXT PRIMARY KEY,
        item_ref TEXT NOT NULL,
        order_id TEXT NOT NULL,
        line_id TEXT NOT NULL,
        return_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        other_return_id TEXT NOT NULL,
        other_station_id TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
      )`,
      `CREATE TABLE hub_messages (
        msg_id TEXT PRIMARY KEY,
        stream TEXT NOT NULL,
        seq BIGINT NOT NULL,
        topic TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        published_at_ms BIGINT,
        UNIQUE (stream, seq)
      )`,
      "CREATE INDEX hub_messages_unpublished ON hub_messages (published_at_ms, created_at_ms)"
    ]
  },
  {
    id: 31,
    name: "trust: where an order's customer data and paid amounts came from, refund decisions parked for unknown orders",
    statements: [
      // 'station': first seen in a station's order.received, which may create but never change them; 'shop': from
      // the shop's own stream, which alone changes them, by a newer order version.
      "ALTER TABLE hub_orders ADD COLUMN customer_source TEXT NOT NULL DEFAULT 'station'",
      "ALTER TABLE hub_orders ADD COLUMN shop_version INTEGER",
      "ALTER TABLE hub_refund_orders ADD COLUMN source TEXT NOT NULL DEFAULT 'station'",
      `CREATE TABLE hub_refund_parked (
        decided_event_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        event TEXT NOT NULL,
        parked_at_ms BIGINT NOT NULL
      )`,
      "CREATE INDEX hub_refund_parked_order ON hub_refund_parked (order_id)"
    ]
  },
  ...shopMigrations,
  {
    id: 50,
    name: "day one: shipping address and cancellation per order, voided returns, address correction links and corrections",
    statements: [
      // The order's shipping address (JSON), for the customer's time zone and the correction page's form.
      "ALTER TABLE hub_orders ADD COLUMN ship_to TEXT",
      "ALTER TABLE hub_orders ADD COLUMN cancelled_at_ms BIGINT",
      // The station that holds the order for its address, and when the hold was released.
      "ALTER TABLE hub_orders ADD COLUMN hold_station_id TEXT",
      "ALTER TABLE hub_orders ADD COLUMN hold_released_at_ms BIGINT",
      "ALTER TABLE hub_metrics_returns ADD COLUMN voided_at_ms BIGINT",
      `CREATE TABLE hub_voided_returns (
        site_id TEXT NOT NULL,
        return_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        order_id TEXT,
        corrects TEXT,
        reason TEXT NOT NULL,
        voided_at_ms BIGINT NOT NULL,
        PRIMARY KEY (site_id, return_id)
      )`,
      // Only the SHA-256 of a link's token is kept: a copy of the database opens no customer's page.
      `CREATE TABLE hub_address_tokens (
        token_hash TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        notification_id TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        used_at_ms BIGINT
      )`,
      "CREATE INDEX hub_address_tokens_by_order ON hub_address_tokens (order_id)",
      `CREATE TABLE hub_address_corrections (
        order_id TEXT PRIMARY KEY,
        ship_to TEXT NOT NULL,
        previous_ship_to TEXT,
        order_version INTEGER NOT NULL,
        route TEXT NOT NULL CHECK (route IN ('station', 'shop')),
        connector_id TEXT,
        shop_update TEXT NOT NULL,
        corrected_at_ms BIGINT NOT NULL
      )`
    ]
  },
  {
    id: 55,
    name: "carrier pickup lag: the handover batch each parcel left in",
    statements: ["ALTER TABLE hub_parcels ADD COLUMN handover_batch_id TEXT"]
  },
  {
    id: 56,
    name: "address holds counted per order: each hold its own correction link and its own correction",
    statements: [
      // How many times a station held the order's address; a link belongs to the hold it was mailed for.
      "ALTER TABLE hub_orders ADD COLUMN address_holds INTEGER NOT NULL DEFAULT 0",
      `UPDATE hub_orders SET address_holds = 1
       WHERE address_problems IS NOT NULL OR order_id IN (SELECT order_id FROM hub_address_tokens)
         OR order_id IN (SELECT order_id FROM hub_address_corrections)`,
      "ALTER TABLE hub_address_tokens ADD COLUMN hold_round INTEGER NOT NULL DEFAULT 1",
      // One correction per hold (the table is rebuilt: neither dialect changes a primary key in place).
      `CREATE TABLE hub_address_corrections_by_hold (
        order_id TEXT NOT NULL,
        hold_round INTEGER NOT NULL,
        ship_to TEXT NOT NULL,
        previous_ship_to TEXT,
        order_version INTEGER NOT NULL,
        route TEXT NOT NULL CHECK (route IN ('station', 'shop')),
        connector_id TEXT,
        shop_update TEXT NOT NULL,
        corrected_at_ms BIGINT NOT NULL,
        PRIMARY KEY (order_id, hold_round)
      )`,
      `INSERT INTO hub_address_corrections_by_hold (order_id, hold_round, ship_to, previous_ship_to, order_version, route,
         connector_id, shop_update, corrected_at_ms)
       SELECT order_id, 1, ship_to, previous_ship_to, order_version, route, connector_id, shop_update, corrected_at_ms
       FROM hub_address_corrections`,
      "DROP TABLE hub_address_corrections",
      "ALTER TABLE hub_address_corrections_by_hold RENAME TO hub_address_corrections"
    ]
  },
  shopPushAddressKind,
  {
    id: 58,
    name: "the timer tick reads only the parcels whose delay alert or feedback request may still be due",
    statements: [
      // Set once a parcel's timers are over (its order's feedback request recorded, or returned/expired): the tick
      // then never reads it again, so its cost follows the parcels in flight, not every parcel ever handed over.
      "ALTER TABLE hub_parcels ADD COLUMN timers_done_at_ms BIGINT",
      `UPDATE hub_parcels SET timers_done_at_ms = updated_at_ms
       WHERE status IN ('returned-to-sender', 'expired') OR EXISTS (SELECT 1 FROM hub_notifications n
         WHERE n.kind = 'feedback-request' AND n.subject_id = hub_parcels.order_id)`,
      `CREATE INDEX hub_parcels_timers_due ON hub_parcels (parcel_id)
       WHERE handed_at_ms IS NOT NULL AND timers_done_at_ms IS NULL`
    ]
  },
  {
    id: 59,
    name: "the EPCIS 2.0 view of every applied station event, for GET /epcis",
    statements: [
      // One row per station event (its id), written in the transaction that applies it; the document is the EPCIS
      // event as exported, so a page of the export is a page of this table.
      `CREATE TABLE hub_epcis_events (
        event_id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        epoch TEXT NOT NULL,
        seq BIGINT NOT NULL,
        event_time_ms BIGINT NOT NULL,
        record_time_ms BIGINT NOT NULL,
        document TEXT NOT NULL
      )`,
      "CREATE INDEX hub_epcis_events_by_time ON hub_epcis_events (event_time_ms, event_id)"
    ]
  },
  {
    id: 60,
    name: "a customer's orders by an index, so adding customers never scans the orders",
    statements: [
      // hub_orders.customer_id references hub_customers: SQLite plans a look at the referencing orders for an insert
      // of customers (a multi-row insert of the batch apply plans it as a scan of every order without this index).
      "CREATE INDEX hub_orders_by_customer ON hub_orders (customer_id)"
    ]
  },
  {
    id: 61,
    name: "a cancellation the shop takes back: the order version of the last word on whether an order is cancelled",
    statements: [
      // Set by a cancellation that stops the order's mail and by the shop taking it back (`order.reinstated`): only a
      // newer version changes the order's state, so a station whose events come late (every station of a site hears
      // the shop) neither cancels again an order taken back since, nor takes back a newer cancellation.
      "ALTER TABLE hub_orders ADD COLUMN cancellation_version INTEGER",
      // An order cancelled before knew no version of its cancellation: at most the order's version, so no stale
      // message takes it back.
      "UPDATE hub_orders SET cancellation_version = order_version WHERE cancelled_at_ms IS NOT NULL"
    ]
  },
  {
    id: 62,
    name: "order versions as wide as a sender may give them: a shop's change time in ms, past PostgreSQL's INTEGER",
    statements: [
      // A shop may version an order by its change time in ms (core/sync/InboundVersion.ts), which PostgreSQL's
      // 32-bit INTEGER cannot hold: the event failed as a database error and held its station's stream for good.
      // SQLite's INTEGER is 64-bit already.
      {
        sqlite: null,
        postgres: `ALTER TABLE hub_orders ALTER COLUMN order_version TYPE BIGINT,
          ALTER COLUMN cancellation_version TYPE BIGINT, ALTER COLUMN shop_version TYPE BIGINT`
      },
      { sqlite: null, postgres: "ALTER TABLE hub_refund_orders ALTER COLUMN order_version TYPE BIGINT" },
      { sqlite: null, postgres: "ALTER TABLE hub_address_corrections ALTER COLUMN order_version TYPE BIGINT" }
    ]
  },
  shopPushHandOver,
  {
    id: 64,
    name: "refund claims count per item (SKU), so a shop that numbers an order's lines anew gets no unit paid twice",
    statements: [
      // The item of the claimed unit, as the order's line names it (a row's lines name their items from now on).
      // Claims made before have none: they count on their line while the order has it, and take their item when the
      // shop's next version replaces that line or a station's parcel.lines-renumbered names it.
      "ALTER TABLE hub_refund_claims ADD COLUMN sku TEXT"
    ]
  },
  {
    id: 66,
    name: "a customer's correction goes to every station that has the order, and a station's word that it did not apply it",
    statements: [
      // Every station that told the hub of an order (its `order.received` or its hold): every station of a site
      // takes the site's orders, and any of them may pack it, so a customer's correction goes to each.
      `CREATE TABLE hub_order_stations (
        order_id TEXT NOT NULL,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        first_seen_ms BIGINT NOT NULL,
        PRIMARY KEY (order_id, site_id, station_id)
      )`,
      `INSERT INTO hub_order_stations (order_id, site_id, station_id, first_seen_ms)
       SELECT order_id, site_id, station_id, updated_at_ms FROM hub_orders`,
      `INSERT INTO hub_order_stations (order_id, site_id, station_id, first_seen_ms)
       SELECT order_id, site_id, hold_station_id, updated_at_ms FROM hub_orders
       WHERE hold_station_id IS NOT NULL AND hold_station_id <> station_id`,
      // Why a station did not apply the correction (`inbound.update-ignored`'s cause), which the customer is told.
      "ALTER TABLE hub_address_corrections ADD COLUMN ignored_cause TEXT",
      "ALTER TABLE hub_address_corrections ADD COLUMN ignored_station_id TEXT",
      "ALTER TABLE hub_address_corrections ADD COLUMN ignored_at_ms BIGINT"
    ]
  },
  shopWebhookDeliveriesByAge,
  {
    id: 68,
    name: "an order's cancellation is voided once in the EPCIS export; orders the shop reinstated are not cancelled",
    statements: [
      // The orders (EPCIS business transactions) the export has voided, with the event that did (HubEpcis.ts's
      // `voidedTransactions`): a later void of the same order is a repeat, and is not exported. Not pruned with the
      // exported events: a repeat after the first void's retention is a repeat still.
      `CREATE TABLE hub_epcis_voided_transactions (
        biz_transaction TEXT PRIMARY KEY,
        event_id TEXT NOT NULL
      )`,
      // The voids exported before: the first of each order holds (event ids are UUIDv7, in time order). The repeats
      // stay as they were exported: their assertion is true, so no error declaration corrects them.
      {
        sqlite: `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id)
          SELECT json_extract(document, '$.bizTransactionList[0].bizTransaction'), MIN(event_id) FROM hub_epcis_events
          WHERE json_extract(document, '$.type') = 'TransactionEvent' AND json_extract(document, '$.action') = 'DELETE'
            AND json_extract(document, '$.errorDeclaration') IS NULL AND json_extract(document, '$.epcList') IS NULL
            AND json_extract(document, '$.quantityList') IS NULL
            AND json_extract(document, '$.bizTransactionList[0].bizTransaction') IS NOT NULL
          GROUP BY json_extract(document, '$.bizTransactionList[0].bizTransaction')`,
        postgres: `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id)
          SELECT document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction', MIN(event_id) FROM hub_epcis_events
          WHERE document::jsonb ->> 'type' = 'TransactionEvent' AND document::jsonb ->> 'action' = 'DELETE'
            AND document::jsonb -> 'errorDeclaration' IS NULL AND document::jsonb -> 'epcList' IS NULL
            AND document::jsonb -> 'quantityList' IS NULL
            AND document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction' IS NOT NULL
          GROUP BY document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction'`
      },
      // An order the shop took back after cancelling it, told by stations of a version before `order.reinstated`
      // only as the version's `order.received`, stayed cancelled here. The hub kept no order's status from those, but
      // for a connector's order the shop side keeps the shop's latest state and the version the stations got it at:
      // a state that is not cancelled at a version after the cancellation took it back. Orders from a source with no
      // connector show nothing (their next version not cancelled takes it back now). The notice of the cancellation
      // that has not gone out is suppressed first, as `order.reinstated` does.
      `UPDATE hub_outbox SET status = 'suppressed', deferred_reason = NULL,
         suppressed_reason = (SELECT 'the cancellation of order ' || n.order_id || ' was taken back'
           FROM hub_notifications n WHERE n.notification_id = hub_outbox.notification_id)
       WHERE status = 'pending' AND notification_id IN (SELECT n.notification_id FROM hub_notifications n
         JOIN hub_orders o ON o.order_id = n.order_id JOIN shop_orders s ON s.order_id = o.order_id
         WHERE n.kind = 'order-cancelled' AND o.cancelled_at_ms IS NOT NULL
           AND s.state NOT IN ('cancelled', 'awaiting-payment') AND s.version > o.cancellation_version)`,
      `UPDATE hub_orders SET cancelled_at_ms = NULL,
         cancellation_version = (SELECT s.version FROM shop_orders s WHERE s.order_id = hub_orders.order_id)
       WHERE cancelled_at_ms IS NOT NULL AND EXISTS (SELECT 1 FROM shop_orders s WHERE s.order_id = hub_orders.order_id
         AND s.state NOT IN ('cancelled', 'awaiting-payment') AND s.version > hub_orders.cancellation_version)`
    ]
  },
  {
    id: 69,
    name: "each station's answer to a customer's correction, so the customer hears one outcome decided from all of them",
    statements: [
      // What became of each correction at each station that has the order (hub/core/correction/CorrectionAnswers.ts):
      // applied; ignored (with the station's cause; none for a word this hub does not know); overridden, applied and
      // then given up for an address the source set itself; replaced by the customer's own newer correction. An
      // applied one keeps the order's version at the station then: only a newer one of the source can override it.
      `CREATE TABLE hub_correction_answers (
        order_id TEXT NOT NULL,
        hold_round INTEGER NOT NULL,
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'ignored', 'overridden', 'replaced')),
        cause TEXT,
        order_version BIGINT,
        answered_at_ms BIGINT NOT NULL,
        PRIMARY KEY (order_id, hold_round, site_id, station_id)
      )`,
      // The words a station gave before: the ignored ones the hub kept (one per correction, at the order's site). The
      // hub kept no word of a correction applied, so one that a station applied before the upgrade and ignored at
      // another after it waits for the first station's word, which will not come: its customer is not told.
      `INSERT INTO hub_correction_answers (order_id, hold_round, site_id, station_id, outcome, cause, answered_at_ms)
       SELECT c.order_id, c.hold_round, o.site_id, c.ignored_station_id, 'ignored', c.ignored_cause,
         COALESCE(c.ignored_at_ms, c.corrected_at_ms)
       FROM hub_address_corrections c JOIN hub_orders o ON o.order_id = c.order_id
       WHERE c.route = 'station' AND c.ignored_cause IS NOT NULL AND c.ignored_station_id IS NOT NULL`
    ]
  },
  {
    id: 70,
    name: "a refund claim keeps the line its station decided on, so a duplicate across a renumbering is told as such",
    statements: [
      // The line the station's decision named; the claim's `line_id` is where the ledger granted it, which is the
      // item's line the order has now when the station decided on one the shop has numbered anew since. A later
      // decision of the same unit on the other numbering is refused as `duplicate-unit-renumbered`. Claims made
      // before have none: their own line stands for it.
      "ALTER TABLE hub_refund_claims ADD COLUMN decided_line_id TEXT"
    ]
  },
  {
    id: 73,
    name: "indexes for the reads by order, by return, by age and by time window that read growing tables whole",
    statements: [
      // The correction page counts an order's parcels (AddressCorrections.ts): it read every parcel.
      "CREATE INDEX hub_parcels_by_order ON hub_parcels (order_id)",
      // A cancellation, its taking back and a correction suppress what the order has pending: they read every
      // notification (SQLite; PostgreSQL went from the pending outbox rows).
      "CREATE INDEX hub_notifications_by_order ON hub_notifications (order_id)",
      // A return taken back (`return.cancelled`) releases its claims: it read every claim.
      "CREATE INDEX hub_refund_claims_by_return ON hub_refund_claims (site_id, return_id)",
      // A connector's refused payload is kept once: each refusal looked for the same one among all refused so far.
      "CREATE INDEX shop_quarantine_by_payload ON shop_quarantine (connector_id, shop_order_id, payload_sha256)",
      // The carrier webhook's replay window is pruned by age: it read every delivery.
      "CREATE INDEX hub_webhook_deliveries_by_age ON hub_webhook_deliveries (received_at_ms)",
      // The customer figures (`GET /metrics`) read a window of parcels by when they were packed, handed over and
      // delivered: each scrape read every parcel. The packing time is the expression the figures use.
      "CREATE INDEX hub_parcels_by_handover ON hub_parcels (handed_at_ms)",
      "CREATE INDEX hub_parcels_by_delivery ON hub_parcels (delivered_at_ms)",
      "CREATE INDEX hub_parcels_by_packing ON hub_parcels ((COALESCE(packed_at_ms, handed_at_ms)))"
    ]
  },
  {
    id: 74,
    name: "a customer's correction is decided once the wait for every station's answer is over, silent ones or not",
    statements: [
      // When the hub's timer pass ended the wait for the stations' answers to a correction
      // (hub.notify.correctionAnswerWait, hub/core/correction/CorrectionAnswers.ts). The pass reads only corrections
      // still waiting (a partial index), so it costs the corrections of the last hour, not every one ever made.
      "ALTER TABLE hub_address_corrections ADD COLUMN answer_wait_done_at_ms BIGINT",
      // Corrections the customer was told of already, and those through a shop connector (no station answers them),
      // wait for nothing. The others are decided by the first pass: their customers were left untold by a silent
      // station; one no station said it ignored tells nothing.
      `UPDATE hub_address_corrections SET answer_wait_done_at_ms = COALESCE(ignored_at_ms, corrected_at_ms)
       WHERE route = 'shop' OR ignored_cause IS NOT NULL`,
      `CREATE INDEX hub_address_corrections_waiting ON hub_address_corrections (corrected_at_ms)
       WHERE route = 'station' AND answer_wait_done_at_ms IS NULL`
    ]
  },
  {
    id: 77,
    name: "a parcel keeps the station that packed it, so a customer's correction is decided per parcel that left",
    statements: [
      // The station whose label the parcel carries (the one that packed it; the one that handed it over until the hub
      // hears of the packing): whether the parcel left with the customer's corrected address is that station's answer
      // to the correction (hub/core/correction/CorrectionAnswers.ts). Parcels recorded before have none: the hub
      // cannot tell which address they carry, and claims nothing while one of them has left.
      "ALTER TABLE hub_parcels ADD COLUMN site_id TEXT",
      "ALTER TABLE hub_parcels ADD COLUMN station_id TEXT"
    ]
  },
  {
    id: 78,
    name: "a shop connector's correction is answered by the stations too, and decided once the wait is over",
    statements: [
      // Stations answer a connector's correction as they answer the hub's own (it reaches them as the order's next
      // version): the timer pass reads every correction still waiting, whatever its route.
      "DROP INDEX hub_address_corrections_waiting",
      `CREATE INDEX hub_address_corrections_waiting ON hub_address_corrections (corrected_at_ms)
       WHERE answer_wait_done_at_ms IS NULL`,
      // A connector's correction made before carries no station's answer (the hub kept none): nothing to decide.
      `UPDATE hub_address_corrections SET answer_wait_done_at_ms = corrected_at_ms
       WHERE route = 'shop' AND answer_wait_done_at_ms IS NULL`
    ]
  },
  {
    id: 80,
    name: "the export keeps the order version each void stands for, so a shipped order's reinstatement is exported",
    statements: [
      // The newest order version the void in force was cancelled at (HubEpcis.ts's `recordEpcisEvent`): only a
      // version after it takes the void back and exports the reinstatement. The hub does not count an order
      // cancelled whose parcel left, so the export keeps this itself.
      "ALTER TABLE hub_epcis_voided_transactions ADD COLUMN order_version BIGINT",
      // The voids before: an order the hub counts cancelled at its cancellation's version; one it does not (its
      // parcel left) at the newest version the hub knows, which the cancellation's is not after, so only a newer
      // one takes it back. Orders are looked up by the id the transaction names (`urn:packbench:order:` is 20
      // characters); a void whose id was escaped finds none and keeps no version: it goes as before, only when the
      // hub takes the order's cancellation back.
      `UPDATE hub_epcis_voided_transactions SET order_version = (
         SELECT CASE WHEN o.cancelled_at_ms IS NOT NULL THEN o.cancellation_version ELSE o.order_version END
         FROM hub_orders o WHERE o.order_id = substr(hub_epcis_voided_transactions.biz_transaction, 21))`
    ]
  },
  {
    id: 81,
    name: "the batch apply finds cancelled orders by an index",
    statements: [
      // Each batch asks whether any of its orders is cancelled (HubProjection's run): PostgreSQL read every order for
      // it, by its own choice, while the orders were some thousands (bench:hub's runs), rather than look each of the
      // batch's up. The cancelled ones are few: an index of those alone is the obvious way there, on both stores.
      // The foreign keys hub_orders -> hub_customers and hub_outbox -> hub_notifications stay on both stores: they
      // cost about 5 µs of PostgreSQL's CPU an event in bench:hub, and they are what catches a future write path that
      // forgets the order the rows must be written in.
      "CREATE INDEX hub_orders_cancelled ON hub_orders (order_id) WHERE cancelled_at_ms IS NOT NULL"
    ]
  },
  {
    id: 83,
    name: "a void taken back keeps the version that took it back (those before too); escaped ids' voids get theirs",
    statements: [
      // The newest order version that took the void in force back (HubEpcis.ts's `recordReinstatement`); null while
      // the void is in force. The mark stays when the reinstatement is exported: only a cancellation after this
      // version voids the order again, and one from before it, arriving late, is no void (order versions decide).
      "ALTER TABLE hub_epcis_voided_transactions ADD COLUMN reinstated_version BIGINT",
      // The orders to look up, by the transaction that names them:
      // - the voids before 80 of an order whose id the transaction escapes, which kept no version: 80 looked the order
      //   up by the transaction's text, and `orderTransaction` percent-encodes the id (encodeURIComponent: "SO/3" is
      //   named `urn:packbench:order:SO%2F3`), so no order was found, and only the hub taking a cancellation back took
      //   the void back, which it never does for an order whose parcel left. Each gets 80's version;
      // - the voids taken back before, whose marks went: the export's last word of the order is its reinstatement (a
      //   later void would have marked it again), so every cancellation the hub knows is older than it, and a
      //   version after it not cancelled took it back too. Each is marked taken back at the newest version the hub
      //   knows of the order, with the reinstatement's event, so a late cancellation from before it voids none.
      // Each id decoded (`ordersByTransaction`); read once, as 68 read the exported events.
      ordersByTransaction("hub_epcis_migration_83", {
        sqlite: `SELECT 'void', biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE order_version IS NULL AND instr(biz_transaction, '%') > 0
            UNION ALL
            SELECT 'reinstated', json_extract(e.document, '$.bizTransactionList[0].bizTransaction'), MAX(e.event_id)
            FROM hub_epcis_events e
            WHERE json_extract(e.document, '$.type') = 'TransactionEvent'
              AND json_extract(e.document, '$.action') = 'ADD'
              AND json_extract(e.document, '$."packbench:eventType"')
                IN ('order.reinstated', 'order.received', 'shop.order-reinstated')
              AND json_extract(e.document, '$.bizTransactionList[0].bizTransaction') IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM hub_epcis_voided_transactions v
                WHERE v.biz_transaction = json_extract(e.document, '$.bizTransactionList[0].bizTransaction'))
            GROUP BY json_extract(e.document, '$.bizTransactionList[0].bizTransaction')`,
        postgres: `SELECT CAST('void' AS TEXT), biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE order_version IS NULL AND strpos(biz_transaction, '%') > 0
            UNION ALL
            SELECT 'reinstated', e.document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction', MAX(e.event_id)
            FROM hub_epcis_events e
            WHERE e.document::jsonb ->> 'type' = 'TransactionEvent' AND e.document::jsonb ->> 'action' = 'ADD'
              AND e.document::jsonb ->> 'packbench:eventType'
                IN ('order.reinstated', 'order.received', 'shop.order-reinstated')
              AND e.document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction' IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM hub_epcis_voided_transactions v
                WHERE v.biz_transaction = e.document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction')
            GROUP BY e.document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction'`
      }),
      `UPDATE hub_epcis_voided_transactions SET order_version = (SELECT m.void_version FROM hub_epcis_migration_83 m
         WHERE m.kind = 'void' AND m.biz_transaction = hub_epcis_voided_transactions.biz_transaction)
       WHERE biz_transaction IN (SELECT biz_transaction FROM hub_epcis_migration_83 WHERE kind = 'void')`,
      `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id, reinstated_version)
       SELECT biz_transaction, event_id, known_version FROM hub_epcis_migration_83 WHERE kind = 'reinstated'`,
      "DROP TABLE hub_epcis_migration_83"
    ]
  },
  {
    id: 84,
    name: "a parcel that left keeps what its leaving told the customer of their correction, to follow its packing station",
    statements: [
      // The correction (its hold) and the cause the parcel's leaving decided, by the answer of the station the hub
      // took for its packing one (hub/core/correction/CorrectionAnswers.ts); no cause: it told nothing. A handover
      // heard before another station's packing of the parcel is decided again by that station's answer, and this is
      // what the customer was told by the first decision. Parcels that left before have none: decided anew, they
      // tell the customer at most the one mail per correction the hub keeps.
      "ALTER TABLE hub_parcels ADD COLUMN left_correction INTEGER",
      "ALTER TABLE hub_parcels ADD COLUMN left_cause TEXT"
    ]
  },
  {
    id: 85,
    name: "a parcel that left before the hub kept what its leaving told is told of only in its correction's own mail",
    statements: [
      // Since 85 a parcel that leaves without the customer's correction after the correction's mail told of another
      // is told of in a mail of its own (hub/core/correction/CorrectionAnswers.ts's `mailOfParcel`), and the parcel's
      // left_correction and left_cause say whether it was told already. A parcel that left before kept nothing (84's)
      // and the correction's mail named no parcel: that mail may have told of it, so a replay of its handover must not
      // tell it again in a mail of its own. Correction 0 (holds count from 1) marks it: decided anew, it is told of in
      // the correction's own mail only, at most once as before.
      "UPDATE hub_parcels SET left_correction = 0 WHERE handed_at_ms IS NOT NULL AND left_correction IS NULL"
    ]
  },
  {
    id: 87,
    name: "a void 80 gave another order's version, whose literal id is the void's escaped text, gets its own",
    statements: [
      // 80 looked each void's order up by the transaction's text, and an order whose literal id is that text (`SO%2F3`)
      // is another order than the one the transaction names (`SO/3`, percent-encoded: an escaped text always holds a
      // `%`, and that order's own transaction escapes it as `%25`). 80 gave the void that order's version (83 went only
      // for voids with none): too new, its taking back was never exported; too old, a version not after the void's
      // took it back. The voids in force of such a text get the version of the order they name (`ordersByTransaction`),
      // as 80 gives any (a live cancellation since raised it to its own, which this is not before: an order the hub
      // counts cancelled has that version, one whose parcel left none older); none when the hub knows no such order.
      // Voids taken back keep what they have: their version no longer decides anything, and what was exported stays.
      ordersByTransaction("hub_epcis_migration_87", {
        sqlite: `SELECT 'void', biz_transaction, event_id FROM hub_epcis_voided_transactions WHERE ${VOID_OF_A_LITERAL_ID}`,
        postgres: `SELECT CAST('void' AS TEXT), biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE ${VOID_OF_A_LITERAL_ID}`
      }),
      `UPDATE hub_epcis_voided_transactions SET order_version = (SELECT m.void_version FROM hub_epcis_migration_87 m
         WHERE m.biz_transaction = hub_epcis_voided_transactions.biz_transaction)
       WHERE ${VOID_OF_A_LITERAL_ID}`,
      "DROP TABLE hub_epcis_migration_87"
    ]
  },
  {
    id: 88,
    name: "a void the shop's stream took back while it kept no version exports the reinstatement it missed",
    statements: [
      // A void 80 found no order for (an id the transaction escapes) kept no version until 83 gave it the newest the
      // hub knew; a version in between that was not cancelled took nothing back (an order whose parcel left, which the
      // hub does not count cancelled), and none was exported. 83 then gave the void that very version, so it stays in
      // force for good. For a shop connector's order the shop side shows it: its state is not cancelled at a version
      // the void's is not after, so every cancellation the hub knows is older. Such a void is taken back at that
      // version, and the reinstatement exported as the hub's word of the shop's stream (`recordReinstatement`), at
      // the time the shop side last took the order (after the void), with the offset +00:00 (the hub's zone is its
      // settings', which a migration does not read), and the connector as its source (its readPoint names it when its
      // id needs no escape). An order the hub counts cancelled is left to the live rules; one from a source with no
      // connector shows nothing (a station told only of the version, not whether it was cancelled): it stays void
      // until its next version.
      ordersByTransaction("hub_epcis_migration_88", VOIDS_IN_FORCE_WITH_A_VERSION),
      {
        sqlite: `CREATE TABLE hub_epcis_migration_88_words AS
          SELECT m.biz_transaction, s.connector_id, s.site_id, o.station_id, s.version,
            ${SQLITE_UUID4} AS event_id,
            CASE WHEN e.event_time_ms IS NULL OR s.updated_at_ms > e.event_time_ms THEN s.updated_at_ms
              ELSE e.event_time_ms + 1 END AS at_ms,
            COALESCE(json_extract(e.document, '$.bizLocation.id'), '${LOCATION_BASE}/site/' || s.site_id) AS site_location
          ${SHOP_TOOK_BACK}`,
        postgres: `CREATE TABLE hub_epcis_migration_88_words AS
          SELECT m.biz_transaction, s.connector_id, s.site_id, o.station_id, CAST(s.version AS BIGINT) AS version,
            CAST(gen_random_uuid() AS TEXT) AS event_id,
            CASE WHEN e.event_time_ms IS NULL OR s.updated_at_ms > e.event_time_ms THEN s.updated_at_ms
              ELSE e.event_time_ms + 1 END AS at_ms,
            COALESCE(e.document::jsonb -> 'bizLocation' ->> 'id', '${LOCATION_BASE}/site/' || s.site_id) AS site_location
          ${SHOP_TOOK_BACK}`
      },
      insertShopReinstatements("hub_epcis_migration_88_words"),
      takenBackAsWords("hub_epcis_migration_88_words"),
      "DROP TABLE hub_epcis_migration_88_words",
      "DROP TABLE hub_epcis_migration_88"
    ]
  },
  {
    id: 89,
    name: "the parcels' handover and delivery windows index only the parcels handed over and delivered",
    statements: [
      // Each of the eight indexes of hub_parcels serves a read (checked in session 29, issue #19): the key, the token
      // (tracking page), carrier and tracking number (carrier events), order (corrections), the timers' partial one,
      // and the customer figures' windows by packing, handover and delivery. Only these two held rows no read asks
      // for: a window (`handed_at_ms >= ? AND handed_at_ms < ?`) never finds a NULL, so a parcel packed and not yet
      // handed over, or not yet delivered, cost each an index entry for nothing on every insert (and on every update,
      // which is never HOT here). Both stores use a partial index for such a window.
      "DROP INDEX hub_parcels_by_handover",
      "CREATE INDEX hub_parcels_by_handover ON hub_parcels (handed_at_ms) WHERE handed_at_ms IS NOT NULL",
      "DROP INDEX hub_parcels_by_delivery",
      "CREATE INDEX hub_parcels_by_delivery ON hub_parcels (delivered_at_ms) WHERE delivered_at_ms IS NOT NULL"
    ]
  },
  shopRefundPushesByGroup,
  {
    id: 92,
    name: "a reinstatement exported on 80's version of another order is declared an error where the hub counts it cancelled",
    statements: [
      // 87 gave a void in force the version of its own order where 80 had taken another's (one whose literal id is the
      // void's escaped text), and left the voids taken back as they were: one taken back on a version too old (a late
      // station's word of a version not after the cancellation) had its reinstatement exported, and an exported event
      // is never edited. Where the hub counts the order cancelled at a version not before the one that took the void
      // back, that reinstatement is wrong by the hub's own word: EPCIS 2.0 §7.4.1.2 takes it back by an error
      // declaration, a copy of the event as exported with `errorDeclaration` (when, and CBV `incorrect_data`). It
      // names no `correctiveEventIDs`: what holds is the void exported before it, which a new event would only repeat.
      // The declaration is made now (the database's clock: a migration reads no settings), so a consumer reading the
      // export by time finds it where it reads next, and filed with the reinstatement's station. The void is in force
      // again at the hub's cancellation's version: only a version after it takes it back. A shipped order's void
      // stays as it is: the hub never counted it cancelled, so it keeps no version of its cancellation to say that the
      // version that took the void back was not after it.
      ordersByTransaction("hub_epcis_migration_92", {
        sqlite: `SELECT 'void', biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE ${TAKEN_BACK_OF_A_LITERAL_ID}`,
        postgres: `SELECT CAST('void' AS TEXT), biz_transaction, event_id FROM hub_epcis_voided_transactions
            WHERE ${TAKEN_BACK_OF_A_LITERAL_ID}`
      }),
      // The orders' last reinstatement exported (none when pruned by age: the mark is put right all the same).
      {
        sqlite: `CREATE TABLE hub_epcis_migration_92_words AS
          SELECT m.biz_transaction, o.cancellation_version, e.site_id, e.station_id, e.epoch, e.seq, e.event_time_ms,
            e.document,
            ${SQLITE_UUID4} AS event_id,
            max(${databaseNowMs.sqlite}, COALESCE(e.event_time_ms, 0) + 1) AS at_ms
          FROM hub_epcis_migration_92 m
          JOIN hub_epcis_voided_transactions v ON v.biz_transaction = m.biz_transaction
          JOIN hub_orders o ON o.order_id = m.order_id
          LEFT JOIN hub_epcis_events e ON e.event_id = (SELECT x.event_id FROM hub_epcis_events x
            WHERE json_extract(x.document, '$.type') = 'TransactionEvent' AND json_extract(x.document, '$.action') = 'ADD'
              AND json_extract(x.document, '$.errorDeclaration') IS NULL
              AND json_extract(x.document, '$.bizTransactionList[0].bizTransaction') = m.biz_transaction
            ORDER BY x.event_time_ms DESC, x.event_id DESC LIMIT 1)
          WHERE o.cancelled_at_ms IS NOT NULL AND o.cancellation_version >= v.reinstated_version`,
        postgres: `CREATE TABLE hub_epcis_migration_92_words AS
          SELECT m.biz_transaction, o.cancellation_version, e.site_id, e.station_id, e.epoch, e.seq, e.event_time_ms,
            e.document, CAST(gen_random_uuid() AS TEXT) AS event_id,
            GREATEST(${databaseNowMs.postgres},
              COALESCE(e.event_time_ms, 0) + 1) AS at_ms
          FROM hub_epcis_migration_92 m
          JOIN hub_epcis_voided_transactions v ON v.biz_transaction = m.biz_transaction
          JOIN hub_orders o ON o.order_id = m.order_id
          LEFT JOIN hub_epcis_events e ON e.event_id = (SELECT x.event_id FROM hub_epcis_events x
            WHERE x.document::jsonb ->> 'type' = 'TransactionEvent' AND x.document::jsonb ->> 'action' = 'ADD'
              AND x.document::jsonb -> 'errorDeclaration' IS NULL
              AND x.document::jsonb -> 'bizTransactionList' -> 0 ->> 'bizTransaction' = m.biz_transaction
            ORDER BY x.event_time_ms DESC, x.event_id DESC LIMIT 1)
          WHERE o.cancelled_at_ms IS NOT NULL AND o.cancellation_version >= v.reinstated_version`
      },
      {
        sqlite: `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
            document)
          SELECT event_id, site_id, station_id, epoch, seq, at_ms, at_ms, json_set(document,
            '$.recordTime', ${isoTime.sqlite("at_ms")},
            '$.errorDeclaration', json_object('declarationTime', ${isoTime.sqlite("at_ms")}, 'reason', 'incorrect_data'))
          FROM hub_epcis_migration_92_words WHERE document IS NOT NULL`,
        postgres: `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
            document)
          SELECT event_id, site_id, station_id, epoch, seq, at_ms, at_ms, CAST(
            document::jsonb || jsonb_build_object('recordTime', ${isoTime.postgres("at_ms")},
              'errorDeclaration', jsonb_build_object('declarationTime', ${isoTime.postgres("at_ms")},
                'reason', 'incorrect_data')) AS TEXT)
          FROM hub_epcis_migration_92_words WHERE document IS NOT NULL`
      },
      `UPDATE hub_epcis_voided_transactions SET reinstated_version = NULL, order_version = (
         SELECT w.cancellation_version FROM hub_epcis_migration_92_words w
         WHERE w.biz_transaction = hub_epcis_voided_transactions.biz_transaction)
       WHERE biz_transaction IN (SELECT biz_transaction FROM hub_epcis_migration_92_words)`,
      "DROP TABLE hub_epcis_migration_92_words",
      "DROP TABLE hub_epcis_migration_92"
    ]
  },
  {
    id: 93,
    name: "refund decisions waiting for their order are taken up in the order the hub received them",
    statements: [
      // By when each was parked, then by event id, decisions of different items parked in the same millisecond were
      // taken up in an order of their ids (UUIDv7s, random within a millisecond), not in their stations' order: the
      // first to arrive of two racing for one unit did not always win. The ledger numbers them per order as it parks
      // them (the consumer applies a station's events in its order, and an order's one after another). Those parked
      // before keep the order they had.
      "ALTER TABLE hub_refund_parked ADD COLUMN received_seq BIGINT",
      `UPDATE hub_refund_parked SET received_seq = (SELECT COUNT(*) FROM hub_refund_parked p
         WHERE p.order_id = hub_refund_parked.order_id AND (p.parked_at_ms < hub_refund_parked.parked_at_ms
           OR (p.parked_at_ms = hub_refund_parked.parked_at_ms AND p.decided_event_id <= hub_refund_parked.decided_event_id)))`
    ]
  },
  {
    id: 94,
    name: "a void 80 or 83 left in force at the version the hub took its cancellation back at exports its reinstatement",
    statements: [
      // A void exported before the export took voids back kept its mark while the hub took the order's cancellation
      // back; 80 (83 for an id the transaction escapes) then gave it the newest version the hub knew of the order: the
      // one that took it back, when none came since. Only a version after it takes the void back (`recordReinstatement`),
      // so the export said the order was void until its next version, which may never come. The hub's own record
      // shows it: the order is not cancelled, taken back at a version (`cancellation_version`) not before the void's.
      // That version is no cancelling one (a version that cancels is counted cancelled; a shipped order's
      // cancellation, which the hub does not count, keeps the version of the one before, and its void is of a newer
      // version). The void was true when exported, and a declaration of an error would say it was not: what is missing
      // is its taking back, exported now as the hub's word of the shop taking it back (`shop.order-reinstated`, as
      // `recordReinstatement` exports the shop's stream's), at the database's clock after the void (a consumer reading
      // by time finds it where it reads next), with offset +00:00, the version it took the void back at, and the shop
      // connector that keeps the order as its source, if one does; filed with the order's site and station. The void is
      // marked taken back at that version: only a cancellation at or after it voids the order again.
      ordersByTransaction("hub_epcis_migration_94", VOIDS_IN_FORCE_WITH_A_VERSION),
      {
        sqlite: `CREATE TABLE hub_epcis_migration_94_words AS
          SELECT m.biz_transaction, o.site_id, o.station_id, o.cancellation_version AS version,
            (SELECT MIN(s.connector_id) FROM shop_orders s WHERE s.order_id = o.order_id) AS connector_id,
            ${SQLITE_UUID4} AS event_id,
            max(${databaseNowMs.sqlite}, COALESCE(e.event_time_ms, 0) + 1) AS at_ms,
            COALESCE(json_extract(e.document, '$.bizLocation.id'), '${LOCATION_BASE}/site/' || o.site_id) AS site_location
          ${HUB_TOOK_BACK(databaseNowMs.sqlite)}`,
        postgres: `CREATE TABLE hub_epcis_migration_94_words AS
          SELECT m.biz_transaction, o.site_id, o.station_id, CAST(o.cancellation_version AS BIGINT) AS version,
            (SELECT MIN(s.connector_id) FROM shop_orders s WHERE s.order_id = o.order_id) AS connector_id,
            CAST(gen_random_uuid() AS TEXT) AS event_id,
            GREATEST(${databaseNowMs.postgres}, COALESCE(e.event_time_ms, 0) + 1) AS at_ms,
            COALESCE(e.document::jsonb -> 'bizLocation' ->> 'id', '${LOCATION_BASE}/site/' || o.site_id) AS site_location
          ${HUB_TOOK_BACK(databaseNowMs.postgres)}`
      },
      insertShopReinstatements("hub_epcis_migration_94_words"),
      takenBackAsWords("hub_epcis_migration_94_words"),
      "DROP TABLE hub_epcis_migration_94_words",
      "DROP TABLE hub_epcis_migration_94"
    ]
  },
  ...consumerMigrations
]
