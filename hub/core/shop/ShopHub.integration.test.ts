import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { shopHubSuite } from "./ShopHub.suite.ts"

shopHubSuite(postgresTestStoreForFile())
