import { sqliteTestStore } from "../../fixtures/postgres/TestStores.ts"
import { outboxConsumerSuite } from "./Outbox.suite.ts"

outboxConsumerSuite(sqliteTestStore)
