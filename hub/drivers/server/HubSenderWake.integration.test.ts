import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import {
  hubTestSettings,
  publishAll,
  shippedParcels,
  stationOnBroker,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"

const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]
const sixHours = 6 * 3_600_000

describe.each(stores)("the hub's sender on $dialect", (store) => {
  const servers = hubServers({ fresh: "each-test" })

  it("is woken by a notification the consumer records, not by its poll: with the poll six hours away the mail still goes out", async () => {
    // The hub's clock stands still (at the moment the test starts, since the hub checks the station's event times
    // against it): nothing becomes due by time passing, the sender's first pass found nothing and its fallback poll is
    // six hours away, so only a wake-up can send. Quiet hours are off (hubTestSettings): the hour does not matter.
    const clock = StationClock.manual(Date.now())
    const options = await servers.rigOn(store, {
      settings: hubTestSettings("https://track.test"),
      webhookSecret: "test-webhook-secret",
      senderPollMs: sixHours,
      tickIntervalMs: sixHours,
      clock: clock.layer
    })
    const customer = "wake@example.test"
    await withRunningHub(options, () =>
      Effect.gen(function* () {
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "PACK-01" })
        yield* publishAll(
          station,
          shippedParcels(next, "H-1", [
            { orderId: "SO-1", email: customer, carrier: "dhl-paket", trackingNumber: "00340434161234567890" }
          ])
        )
        // Far less than the poll interval: the mails came because the sender was woken.
        yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer).length),
          (n) => n >= 2,
          60_000
        )
      })
    )
    const mails = servers.mailsTo(customer)
    expect(mails.map((mail) => mail.subject)).toEqual([
      expect.stringContaining("SO-1"),
      expect.stringContaining("SO-1")
    ])
    expect(mails.map((mail) => mail.headers["message-id"])).toHaveLength(2)
  })
})
