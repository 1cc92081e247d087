/** Migration 21: the durable print queue. */
import type { Migration } from "../../store/Migrations.ts"

export const m0021_print_jobs: Migration = {
  id: 21,
  name: "durable print queue",
  statements: [
    `CREATE TABLE print_jobs (
      id TEXT PRIMARY KEY,
      printer TEXT NOT NULL,
      purpose TEXT NOT NULL,
      bytes BLOB NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL,
      last_error TEXT,
      preview_url TEXT
    )`,
    "CREATE INDEX print_jobs_pending ON print_jobs (state, created_at_ms)"
  ]
}
