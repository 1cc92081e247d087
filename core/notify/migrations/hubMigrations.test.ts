import { sqliteTestStore } from "../../../drivers/postgres/TestStores.ts"
import { hubMigrationsSuite } from "./hubMigrations.suite.ts"

hubMigrationsSuite(sqliteTestStore)
