import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { OrderAddressCorrected, OrderCancelled, OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { HubAddressCorrection } from "../../../core/orders/OrderInbound.ts"
import { OrderAddressHold } from "../../../core/pack/PackEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { InboxMessage } from "../../../core/sync/Inbox.ts"
import { decodeJson } from "../../../core/sync/Topics.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import {
  hubTestSettings,
  publishAll,
  type RunningHub,
  sampleOrder,
  stationOnBroker,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import type { ReceivedMail } from "../../../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"

const servers = hubServers({ fresh: "each-test" })

/** The mail's body as a reader sees it: quoted-printable soft line breaks joined, `=3D` back to `=`. */
const bodyOf = (mail: ReceivedMail) => mail.text ?? ""

const post = (url: string, fields: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString()
  })

/** An order to Munich whose street has no house number: the bench holds it, as the station does. */
const heldOrder = (orderId: string, email: string, locale: "de" | "en") => ({
  ...sampleOrder(orderId, { email, locale }),
  shipTo: { name: "Emma Schmidt", street1: "Marienplatz", postalCode: "80331", city: "München", country: "DE" }
})

const hold = (orderId: string, email: string, locale: "de" | "en") => ({
  orderId,
  customerEmail: email,
  customerLocale: locale,
  carrier: "dhl-paket",
  problems: [{ field: "street1", code: "house-number-missing", message: "The house number is missing." }],
  request: "customer-correction" as const
})

const linkIn = (mail: ReceivedMail) => /http:\/\/127\.0\.0\.1:\d+\/a\/[A-Za-z0-9_-]+/.exec(bodyOf(mail))?.[0]

describe("the customer's address correction page over the hub's HTTP", () => {
  it("mails a link to a page that checks the address like the bench, names each error at its field and sends one correction to the station", async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const settings = hubTestSettings(base, { orderConfirmations: false, addressCorrectionMaxAttempts: 4 })
    const customer = "emma@example.test"
    const stranger = "lock@example.test"
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "PACK-07" })
        const inbox: Array<unknown> = []
        yield* station.subscribe("packbench/v1/HAM1/PACK-07/inbox/hub/#", (message) =>
          Effect.sync(() => {
            const json = decodeJson(message.payload)
            if (json.ok) inbox.push(json.value)
          })
        )
        yield* publishAll(station, [
          next(OrderReceived, { order: heldOrder("SO-7", customer, "en"), replacedVersion: null }),
          next(OrderAddressHold, hold("SO-7", customer, "en")),
          next(OrderReceived, { order: heldOrder("SO-8", stranger, "de"), replacedVersion: null }),
          next(OrderAddressHold, hold("SO-8", stranger, "de"))
        ])
        const mails = yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer)),
          (received) => received.length === 1,
          15_000
        )
        expect(mails[0]!.headers.subject).toBe("Please check your delivery address (SO-7)")
        const url = linkIn(mails[0]!)
        expect(url).toBeDefined()
        const link = url!
        const token = link.slice(link.lastIndexOf("/") + 1)
        // Only the token's digest is kept: a copy of the database opens nobody's page.
        const stored = yield* sql.query<{ token_hash: string }>(
          "SELECT token_hash FROM hub_address_tokens WHERE order_id = 'SO-7'"
        )
        expect(stored).toHaveLength(1)
        expect(stored[0]!.token_hash).not.toBe(token)
        expect(token.length).toBeGreaterThanOrEqual(24)

        const page = yield* Effect.promise(() => fetch(link))
        expect(page.status).toBe(200)
        expect(page.headers.get("content-security-policy")).toContain("form-action 'self'")
        expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
        const html = yield* Effect.promise(() => page.text())
        expect(html).toContain('lang="en"')
        expect(html).toContain('name="viewport"')
        expect(html).toContain('value="Marienplatz"')
        expect(html).toContain("The house number is missing.")
        expect(html).toContain(`name="token" value="${token}"`)
        expect(html).not.toContain(customer)

        const valid = { token, name: "Emma Schmidt", street1: "Marienplatz 8", postalCode: "80331", city: "München" }
        // Cross-site posts and posts without the form's token are refused before anything counts.
        expect((yield* Effect.promise(() => post(link, valid, { origin: "https://evil.example" }))).status).toBe(403)
        expect((yield* Effect.promise(() => post(link, valid, { "sec-fetch-site": "cross-site" }))).status).toBe(403)
        expect((yield* Effect.promise(() => post(link, { ...valid, token: "x".repeat(24) }))).status).toBe(403)
        const json = yield* Effect.promise(() =>
          fetch(link, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(valid) })
        )
        expect(json.status).toBe(415)
        const huge = yield* Effect.promise(() => post(link, { ...valid, street2: "x".repeat(20_000) }))
        expect(huge.status).toBe(413)

        // The same rules as the bench: Berlin's postal code with Munich, a street without a house number.
        const wrong = yield* Effect.promise(() =>
          post(link, { ...valid, street1: "Marienplatz", postalCode: "10115" }, { origin: base })
        )
        expect(wrong.status).toBe(422)
        const wrongHtml = yield* Effect.promise(() => wrong.text())
        expect(wrongHtml).toContain('data-error-for="street1"')
        expect(wrongHtml).toMatch(/data-error-for="(postalCode|city)"/)
        expect(wrongHtml).toContain('id="street1" name="street1" value="Marienplatz"')
        expect(wrongHtml).toContain('aria-invalid="true" aria-describedby="street1-error"')
        // The customer reads what to do, not the bench's "ask the customer".
        expect(wrongHtml).toContain("Please add the house number.")
        expect(wrongHtml).not.toContain("ask the customer")

        const hostile = yield* Effect.promise(() =>
          post(link, { ...valid, name: "Emma\r\nBcc: x@evil.example", city: "<script>alert(1)</script>" })
        )
        expect(hostile.status).toBe(422)
        const hostileHtml = yield* Effect.promise(() => hostile.text())
        expect(hostileHtml).toContain('data-error-for="name"')
        expect(hostileHtml).toContain("Please leave out line breaks and control characters.")
        expect(hostileHtml).not.toContain("<script>alert(1)</script>")

        // A browser's own form under `Referrer-Policy: no-referrer` says `Origin: null`; `Sec-Fetch-Site` tells.
        expect(
          (yield* Effect.promise(() => post(link, valid, { origin: "null", "sec-fetch-site": "same-site" }))).status
        ).toBe(403)
        const taken = yield* Effect.promise(() =>
          post(link, valid, { origin: "null", "sec-fetch-site": "same-origin" })
        )
        expect(taken.status).toBe(200)
        const takenHtml = yield* Effect.promise(() => taken.text())
        expect(takenHtml).toContain('data-state="corrected"')
        expect(takenHtml).toContain("Marienplatz 8<br>80331 München")

        // The station's inbox gets the correction once, numbered by the hold it answers: the order's versions are its
        // source's, and the hub's copy keeps the source's.
        const messages = yield* waitFor(
          Effect.sync(() => inbox),
          (received) => received.length >= 1,
          15_000
        )
        const message = Schema.decodeUnknownSync(InboxMessage)(messages[0])
        expect(message).toMatchObject({ seq: 1, type: "order.hub-address-correction", version: 1 })
        expect(Schema.decodeUnknownSync(HubAddressCorrection)(message.payload)).toEqual({
          orderId: "SO-7",
          correction: 1,
          shipTo: {
            name: "Emma Schmidt",
            street1: "Marienplatz 8",
            postalCode: "80331",
            city: "München",
            country: "DE"
          },
          previousShipTo: heldOrder("SO-7", customer, "en").shipTo
        })
        const hubOrder = yield* sql.query<{ order_version: number }>(
          "SELECT order_version FROM hub_orders WHERE order_id = 'SO-7'"
        )
        expect(Number(hubOrder[0]!.order_version)).toBe(1)

        // Single use: the link now only shows what was taken.
        const again = yield* Effect.promise(() => post(link, { ...valid, street1: "Kaufingerstraße 1" }))
        expect(again.status).toBe(409)
        expect(yield* Effect.promise(() => again.text())).toContain("Marienplatz 8")
        expect((yield* Effect.promise(() => fetch(link))).status).toBe(200)
        expect(inbox).toHaveLength(1)
        const correction = yield* sql.query("SELECT route, shop_update FROM hub_address_corrections")
        expect(correction).toEqual([
          { route: "station", shop_update: "none: the order did not come from a shop connector" }
        ])

        // Bounded attempts: the second customer's link locks after four refused posts, with the page in German.
        const strangerMail = yield* waitFor(
          Effect.sync(() => servers.mailsTo(stranger)),
          (received) => received.length === 1,
          15_000
        )
        const lockLink = linkIn(strangerMail[0]!)!
        const lockToken = lockLink.slice(lockLink.lastIndexOf("/") + 1)
        for (let attempt = 0; attempt < 4; attempt++) {
          const refused = yield* Effect.promise(() =>
            post(lockLink, { token: lockToken, name: "X", street1: "Y", postalCode: "00000", city: "Z" })
          )
          expect(refused.status).toBe(422)
        }
        const locked = yield* Effect.promise(() =>
          post(lockLink, {
            token: lockToken,
            name: "Anna",
            street1: "Marienplatz 8",
            postalCode: "80331",
            city: "München"
          })
        )
        expect(locked.status).toBe(429)
        expect(yield* Effect.promise(() => locked.text())).toContain("Zu viele Versuche")

        // An expired link and a cancelled order take nothing.
        yield* sql.execute("UPDATE hub_address_tokens SET expires_at_ms = 0, attempts = 0 WHERE order_id = 'SO-8'")
        expect((yield* Effect.promise(() => fetch(lockLink))).status).toBe(410)
        yield* sql.execute("UPDATE hub_address_tokens SET expires_at_ms = ? WHERE order_id = 'SO-8'", [
          Date.now() + 3_600_000
        ])
        yield* publishAll(station, [
          next(OrderCancelled, {
            orderId: "SO-8",
            orderVersion: 2,
            previousStatus: "address-hold",
            interruptedPacking: false
          })
        ])
        yield* waitFor(
          sql.query("SELECT 1 FROM hub_orders WHERE order_id = 'SO-8' AND cancelled_at_ms IS NOT NULL"),
          (rows) => rows.length === 1,
          15_000
        )
        const cancelled = yield* Effect.promise(() =>
          post(lockLink, {
            token: lockToken,
            name: "Anna",
            street1: "Marienplatz 8",
            postalCode: "80331",
            city: "München"
          })
        )
        expect(cancelled.status).toBe(410)
        expect(yield* Effect.promise(() => cancelled.text())).toContain('data-state="cancelled"')

        expect((yield* Effect.promise(() => fetch(`${hub.url}/a/${"x".repeat(24)}`))).status).toBe(404)
        expect(inbox).toHaveLength(1)
      })
    await withRunningHub(
      await servers.rigOn(sqliteTestStore, {
        settings,
        webhookSecret: "correction-secret",
        clientId: "packbench-hub-correction",
        port,
        senderPollMs: 300,
        tickIntervalMs: 500
      }),
      program
    )
  })

  it("mails a new single-use link when the corrected address is held again, and refuses the old link with a page that says so", async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const settings = hubTestSettings(base, { orderConfirmations: false })
    const customer = "lena@example.test"
    const program = (_hub: RunningHub) =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "PACK-09" })
        const inbox: Array<InboxMessage> = []
        yield* station.subscribe("packbench/v1/HAM1/PACK-09/inbox/hub/#", (message) =>
          Effect.sync(() => {
            const json = decodeJson(message.payload)
            if (json.ok) inbox.push(Schema.decodeUnknownSync(InboxMessage)(json.value))
          })
        )
        yield* publishAll(station, [
          next(OrderReceived, { order: heldOrder("SO-9", customer, "en"), replacedVersion: null }),
          next(OrderAddressHold, hold("SO-9", customer, "en"))
        ])
        const first = yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer)),
          (received) => received.length === 1,
          15_000
        )
        const firstLink = linkIn(first[0]!)!
        const firstToken = firstLink.slice(firstLink.lastIndexOf("/") + 1)
        // A house number the format rules take, which the carrier's check at the bench later refuses all the same.
        const corrected = { name: "Lena Vogt", street1: "Marienplatz 8", postalCode: "80331", city: "München" }
        const taken = yield* Effect.promise(() => post(firstLink, { token: firstToken, ...corrected }))
        expect(taken.status).toBe(200)
        yield* waitFor(
          Effect.sync(() => inbox),
          (received) => received.length === 1,
          15_000
        )
        expect(inbox[0]).toMatchObject({ type: "order.hub-address-correction", version: 1 })
        expect(inbox[0]!.payload).toMatchObject({ orderId: "SO-9", correction: 1 })

        // The station takes the correction (releasing the hold) on the order's own version, re-checks the address and
        // holds the order again.
        yield* publishAll(station, [
          next(OrderAddressCorrected, {
            orderId: "SO-9",
            orderVersion: 1,
            shipTo: { ...corrected, country: "DE" },
            releasedHold: true,
            labelReprintRequired: false,
            correction: 1
          }),
          next(OrderAddressHold, {
            ...hold("SO-9", customer, "en"),
            problems: [{ field: "street1", code: "undeliverable", message: "The carrier does not deliver there." }]
          })
        ])
        const mails = yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer)),
          (received) => received.length === 2,
          15_000
        )
        expect(mails[1]!.headers.subject).toBe("Please check your delivery address (SO-9)")
        const secondLink = linkIn(mails[1]!)!
        const secondToken = secondLink.slice(secondLink.lastIndexOf("/") + 1)
        expect(secondToken).not.toBe(firstToken)

        // The old link is refused with a page that points to the new mail; posting through it takes nothing.
        const old = yield* Effect.promise(() => fetch(firstLink))
        expect(old.status).toBe(410)
        const oldHtml = yield* Effect.promise(() => old.text())
        expect(oldHtml).toContain('data-state="replaced"')
        expect(oldHtml).toContain("we have sent you a new email with a new link")
        expect(oldHtml).not.toContain("<form")
        const oldPost = yield* Effect.promise(() =>
          post(firstLink, { token: firstToken, ...corrected, street1: "Kaufingerstraße 1" })
        )
        expect(oldPost.status).toBe(410)

        // The new link opens the form with the new problem and the corrected address to start from; it is single-use.
        const page = yield* Effect.promise(() => fetch(secondLink))
        expect(page.status).toBe(200)
        const html = yield* Effect.promise(() => page.text())
        expect(html).toContain("The carrier does not deliver there.")
        expect(html).toContain('value="Marienplatz 8"')
        const again = { token: secondToken, ...corrected, street1: "Kaufingerstraße 1" }
        const second = yield* Effect.promise(() => post(secondLink, again))
        expect(second.status).toBe(200)
        expect(yield* Effect.promise(() => second.text())).toContain("Kaufingerstraße 1")
        expect((yield* Effect.promise(() => post(secondLink, again))).status).toBe(409)
        yield* waitFor(
          Effect.sync(() => inbox),
          (received) => received.length === 2,
          15_000
        )
        expect(inbox[1]).toMatchObject({ type: "order.hub-address-correction", version: 2 })
        expect(inbox[1]!.payload).toMatchObject({
          orderId: "SO-9",
          correction: 2,
          shipTo: { street1: "Kaufingerstraße 1" },
          previousShipTo: { street1: "Marienplatz 8" }
        })
        const corrections = yield* sql.query<{ hold_round: number; order_version: number }>(
          "SELECT hold_round, order_version FROM hub_address_corrections WHERE order_id = 'SO-9' ORDER BY hold_round"
        )
        // Both made on the order's version 1: neither took a version from the order's source.
        expect(corrections.map((row) => [Number(row.hold_round), Number(row.order_version)])).toEqual([
          [1, 1],
          [2, 1]
        ])
        // The first link still refuses after the second correction: it stays the first hold's.
        expect((yield* Effect.promise(() => fetch(firstLink))).status).toBe(410)
        expect(servers.mailsTo(customer)).toHaveLength(2)
      })
    await withRunningHub(
      await servers.rigOn(sqliteTestStore, {
        settings,
        webhookSecret: "correction-secret",
        clientId: "packbench-hub-correction-again",
        port,
        senderPollMs: 300,
        tickIntervalMs: 500
      }),
      program
    )
  })
})
