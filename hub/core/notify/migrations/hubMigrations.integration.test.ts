import { postgresTestStoreForFile } from "../../../../fixtures/postgres/TestStores.ts"
import { hubMigrationsSuite } from "./hubMigrations.suite.ts"

hubMigrationsSuite(postgresTestStoreForFile())
