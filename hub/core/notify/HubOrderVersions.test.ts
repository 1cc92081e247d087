import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { hubOrderVersionsSuite } from "./HubOrderVersions.suite.ts"

hubOrderVersionsSuite(sqliteTestStore)
