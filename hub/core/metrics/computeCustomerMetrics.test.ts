import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { customerMetricsSuite } from "./computeCustomerMetrics.suite.ts"

customerMetricsSuite(sqliteTestStore)
