import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { impliedReinstatementSuite } from "./ImpliedReinstatement.suite.ts"

impliedReinstatementSuite(postgresTestStoreForFile())
