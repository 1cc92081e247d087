import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { refundLedgerSuite } from "./RefundLedger.suite.ts"

refundLedgerSuite(postgresTestStoreForFile())
