import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { ignoredCorrectionSuite } from "./IgnoredCorrection.suite.ts"

ignoredCorrectionSuite(postgresTestStoreForFile())
