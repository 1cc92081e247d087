import { postgresTestStoreForFile } from "../../fixtures/postgres/TestStores.ts"
import { outboxConsumerSuite } from "./Outbox.suite.ts"

outboxConsumerSuite(postgresTestStoreForFile())
