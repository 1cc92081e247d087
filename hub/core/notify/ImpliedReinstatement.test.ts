import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { impliedReinstatementSuite } from "./ImpliedReinstatement.suite.ts"

impliedReinstatementSuite(sqliteTestStore)
