/** Station migration 0091: the append-only audit log. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The audit of privileged actions: who, when, from which client, what, and how it ended. Append-only by
 * construction: triggers refuse every UPDATE and DELETE, so the station's own code cannot rewrite it either.
 */
export const m0091_audit_log: Migration = {
  id: 91,
  name: "append-only audit of privileged actions",
  statements: [
    `CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at_ms INTEGER NOT NULL,
      badge_id TEXT,
      name TEXT,
      role TEXT,
      client_id TEXT NOT NULL,
      client_address TEXT,
      action TEXT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused')),
      detail TEXT NOT NULL
    )`,
    `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
    `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`
  ]
}
