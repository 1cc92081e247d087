import { sqliteTestStore } from "../../drivers/postgres/TestStores.ts"
import { outboxConsumerSuite } from "./Outbox.suite.ts"

outboxConsumerSuite(sqliteTestStore)
