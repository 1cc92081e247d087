import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { parcelMailsSuite } from "./ParcelMails.suite.ts"

parcelMailsSuite(postgresTestStoreForFile())
