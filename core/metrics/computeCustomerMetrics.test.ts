import { sqliteTestStore } from "../../drivers/postgres/TestStores.ts"
import { customerMetricsSuite } from "./computeCustomerMetrics.suite.ts"

customerMetricsSuite(sqliteTestStore)
