import { postgresTestStoreForFile } from "../../../drivers/postgres/TestStores.ts"
import { hubMigrationsSuite } from "./hubMigrations.suite.ts"

hubMigrationsSuite(postgresTestStoreForFile())
