import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { refundLedgerSuite } from "./RefundLedger.suite.ts"

refundLedgerSuite(sqliteTestStore)
