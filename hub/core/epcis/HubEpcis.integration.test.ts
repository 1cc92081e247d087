import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { hubEpcisSuite } from "./HubEpcis.suite.ts"

hubEpcisSuite(postgresTestStoreForFile())
