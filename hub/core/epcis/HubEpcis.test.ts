import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { hubEpcisSuite } from "./HubEpcis.suite.ts"

hubEpcisSuite(sqliteTestStore)
