import { sqliteTestStore } from "../../drivers/postgres/TestStores.ts"
import { refundLedgerSuite } from "./RefundLedger.suite.ts"

refundLedgerSuite(sqliteTestStore)
