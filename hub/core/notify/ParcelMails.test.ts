import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { parcelMailsSuite } from "./ParcelMails.suite.ts"

parcelMailsSuite(sqliteTestStore)
