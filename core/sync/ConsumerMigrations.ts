import type { Migration } from "../store/Migrations.ts"

/**
 * The consumer's tables, for whichever database applies station events (the hub's). Listed by the owner of that
 * database in its own migration history; ids 9001+ are reserved for the sync consumer so they never collide.
 */
export const consumerMigrations: ReadonlyArray<Migration> = [
  {
    id: 9001,
    name: "sync consumer cursors, held events and quarantine",
    statements: [
      `CREATE TABLE sync_consumer_cursor (
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        epoch TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        PRIMARY KEY (site_id, station_id, epoch)
      )`,
      `CREATE TABLE sync_consumer_held (
        site_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        epoch TEXT NOT NULL,
        seq INTEGER NOT NULL,
        reason TEXT NOT NULL,
        envelope TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        PRIMARY KEY (site_id, station_id, epoch, seq)
      )`,
      `CREATE TABLE sync_consumer_quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        reason TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL
      )`
    ]
  }
]
