import { postgresTestStoreForFile } from "../../drivers/postgres/TestStores.ts"
import { customerMetricsSuite } from "./computeCustomerMetrics.suite.ts"

customerMetricsSuite(postgresTestStoreForFile())
