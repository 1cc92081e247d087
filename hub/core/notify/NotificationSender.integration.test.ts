import { postgresTestStoreForFile } from "../../../fixtures/postgres/TestStores.ts"
import { notificationSenderSuite } from "./NotificationSender.suite.ts"

notificationSenderSuite(postgresTestStoreForFile())
