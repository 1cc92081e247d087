import { sqliteTestStore } from "../../drivers/postgres/TestStores.ts"
import { notificationSenderSuite } from "./NotificationSender.suite.ts"

notificationSenderSuite(sqliteTestStore)
