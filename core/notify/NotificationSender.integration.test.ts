import { postgresTestStoreForFile } from "../../drivers/postgres/TestStores.ts"
import { notificationSenderSuite } from "./NotificationSender.suite.ts"

notificationSenderSuite(postgresTestStoreForFile())
