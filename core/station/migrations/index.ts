import type { Migration } from "../../store/Migrations.ts"
import { m0001_event_log } from "./0001_event_log.ts"

/** The station database's schema history, oldest first. */
export const stationMigrations: ReadonlyArray<Migration> = [m0001_event_log]
