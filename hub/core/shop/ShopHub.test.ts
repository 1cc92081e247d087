import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { shopHubSuite } from "./ShopHub.suite.ts"

shopHubSuite(sqliteTestStore)
