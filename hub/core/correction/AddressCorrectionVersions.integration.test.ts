import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { addressCorrectionVersionsSuite } from "./AddressCorrectionVersions.suite.ts"

addressCorrectionVersionsSuite(postgresTestStoreForFile())
