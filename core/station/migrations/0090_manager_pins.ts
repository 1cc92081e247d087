/** Station migration 0090: manager PIN hashes and wrong PIN counts. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Managers sign in with badge and PIN: the badge list keeps the PIN's scrypt hash, and wrong PINs are counted per
 * badge so that guessing locks the badge for a while (the count survives a restart, so restarting does not reset it).
 */
export const m0090_manager_pins: Migration = {
  id: 90,
  name: "manager PINs and wrong-PIN counts",
  statements: [
    "ALTER TABLE badges ADD COLUMN pin_hash TEXT",
    `CREATE TABLE pin_attempts (
      badge_id TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      locked_until_ms INTEGER NOT NULL
    )`
  ]
}
