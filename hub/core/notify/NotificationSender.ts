/** Sends due notifications from the committed outbox, with retries, quiet hours and suppression. */
import { Context, Duration, Effect, Exit, type Fiber, Layer, Option, Queue, Result, Schema } from "effect"
import { sha256Hex } from "../../../core/bounds/Sha256.ts"
import { encodeUtf8 } from "../../../core/bounds/Utf8.ts"
import { defaultCarrierProfiles } from "../../../core/carrier/CarrierProfile.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"
import type { Address } from "../../../core/orders/Order.ts"
import { Sql, type SqlValue, type StoreError } from "../../../core/store/Sql.ts"
import { makeArrivalPace } from "../../../core/sync/ArrivalPace.ts"
import type { Doorbell } from "../../../core/sync/Doorbell.ts"
import { takeWaiting } from "../../../core/sync/takeWaiting.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sourceAddressClaimUnsure } from "../correction/CorrectionAnswers.ts"
import { carrierTrackingUrl } from "../tracking/carrierTrackingUrl.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { customerTimeZone, shipToPlace } from "./CustomerTimeZone.ts"
import { HubSettings } from "./HubSettings.ts"
import { Mailer, MailerError, recipientProblem } from "./Mailer.ts"
import { type DelayReason, IgnoredCorrectionCause, type NotificationKind, parcelKinds } from "./NotificationKind.ts"
import { correctionOfSubject, mayNotify, parcelCorrectionSubject, sendWindow } from "./NotificationRules.ts"
import { brandFor } from "./templates/Brand.ts"
import { renderNotification } from "./templates/renderNotification.ts"
import { WebhookSender } from "./WebhookSender.ts"

interface DueRow {
  readonly notification_id: string
  readonly channel: "email" | "webhook"
  readonly attempts: number
  readonly kind: NotificationKind
  readonly subject_id: string
  readonly order_id: string
  readonly parcel_id: string | null
  readonly delay_reason: DelayReason | null
  readonly created_at_ms: number
  readonly customer_id: string | null
  readonly unsubscribe_token: string | null
  readonly first_name: string | null
  readonly email: string | null
  readonly locale: Locale | null
  readonly opted_out: number | null
  readonly brand: string | null
  readonly address_problems: string | null
  readonly ship_to: string | null
  readonly cancelled_at_ms: number | null
  readonly hold_released_at_ms: number | null
  readonly carrier: string | null
  readonly tracking_number: string | null
  readonly tracking_token: string | null
  readonly expected_delivery_date: string | null
  readonly feedback_token: string | null
}

/** An address as the customer reads it on one line: "Anna Schmidt, Hauptstraße 14, 10115 Berlin". */
const oneLineAddress = (address: Address) =>
  [address.name, address.company, address.street1, address.street2, `${address.postalCode} ${address.city}`]
    .filter((part) => part !== undefined && part !== "")
    .join(", ")

/** The parcel's tracking number, if it has one: a station's `parcel.packed` may carry an empty one. */
const trackingNumberOf = (row: DueRow) =>
  row.tracking_number === null || row.tracking_number === "" ? undefined : row.tracking_number

/** Rows one pass takes at most; a full pass means more may be waiting. */
export const SEND_PASS_ROWS = 50

/** Rows the running sender claims in one commit, and verdicts it records in one commit, at most. */
export const SEND_BATCH_ROWS = 64

/**
 * The partition every transaction of the sender names (see `TransactionOptions`). Its writes are single statements
 * guarded by the row's status (a claim counts only when it moved the row from `pending`), so they need no database-wide
 * turn: on PostgreSQL the sender claims and records mail beside the consumers' batches instead of queueing every one of
 * them behind it, and two hubs' senders take turns on this one key. SQLite runs every transaction alone anyway.
 */
export const SENDER_PARTITION = "hub:notification-sender"

type Outcome = "sent" | "retried" | "dead" | "deferred" | "suppressed"

export interface RunOptions {
  /**
   * Rung when a notification was committed; the sender rings it itself when a slot of its provider freed, when a
   * settle let an order's next row go, and when the next due row's time came.
   */
  readonly doorbell: Doorbell
  readonly pollMs: number
  /**
   * While mails are in flight (the sender is busy), how long it waits before it claims what a wake-up announced (when
   * that claim comes within this long of the last one), and before it records the verdicts that came, so that more
   * join each commit (one fsync) instead of one to three in each. With nothing in flight, for a claim after a quiet
   * spell, or while the rows it claims come further apart than this on average (`ArrivalPace`: two parcels that met
   * by chance at 100 a second), it claims at once; with nothing in flight, or while the rows are claimed further apart
   * than this (a verdict then comes alone), it records at once, so a quiet hub's mail does not wait. A mail's way from
   * its claim to the server does not wait for the verdicts; its order's next mail does, up to this long. Default
   * `DEFAULT_BUSY_WINDOW_MS`.
   */
  readonly busyWindowMs?: number
}

export const DEFAULT_BUSY_WINDOW_MS = 5

/** A row decided to be sent, with the message rendered for it, before its claim (`claimAll`). */
interface ToClaim {
  readonly row: DueRow
  readonly to: string
  readonly locale: Locale
  readonly unsubscribeUrl: string
  readonly brand: ReturnType<typeof brandFor>
  readonly rendered: ReturnType<typeof renderNotification>
  /** What the claim records as the attempt's recipient: the address, or the webhook's URL. */
  readonly recipient: string | null
}

/** A row claimed for sending (recorded as `sending`, its attempts counted), with the message rendered for it. */
interface Claimed extends ToClaim {
  readonly attempts: number
}

/** A row's key in the outbox: one notification on one channel. */
const outboxKey = (notificationId: string, channel: string) => `${notificationId}\u0000${channel}`

/** The page that records a customer's opt-out; its token is as unguessable as a tracking token. */
export const unsubscribeUrlOf = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/u/${token}`

/** The page where the customer corrects the address of a held order; only the token's digest is stored. */
export const addressCorrectionUrlOf = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/a/${token}`

/**
 * What identifies a notification's message to whoever receives it: made from its kind and subject (one notification
 * each), so it is the same for every attempt and for the notification recorded again after a power cut took the
 * first record (its mail may have gone already, see `run`). Only hex digits: a subject (an order id from a shop) may
 * hold anything.
 */
export const deliveryKeyOf = (kind: NotificationKind, subjectId: string) =>
  `n-${sha256Hex(encodeUtf8(`${kind}\u0000${subjectId}`)).slice(0, 32)}`

/** The Message-ID of a notification's mail: its delivery key, so a resent copy is recognisable. */
export const messageIdOf = (deliveryKey: string) => `<${deliveryKey}@notify.packbench>`

export interface SendReport {
  readonly sent: number
  readonly retried: number
  readonly dead: number
  readonly deferred: number
  readonly suppressed: number
}

/**
 * Sends what the outbox holds, after commit.
 *
 * Each attempt is written down (status `sending`, attempts + 1) and committed before the provider is called. A
 * crash after the provider accepted but before `sent` was recorded leaves the row in `sending`; on restart
 * `recoverInterrupted` returns it to `pending` and counts it in `interrupted_attempts`, and it is sent again
 * with the same Message-ID. We chose a possible duplicate over a possible loss: SMTP has no way to ask whether
 * a message was accepted, a lost "your parcel is on its way" is worse than a second copy, and the shared
 * Message-ID lets the receiving side (and anyone reading the outbox) tell the copies apart.
 *
 * The running sender (`run`) does not wait for the commit that recorded a notification to reach the disk: it claims
 * and sends while the log is synced. A power cut in that millisecond (not a crash: the operating system still
 * writes what was committed) can take the record after the mail left; the fact's source sends it again, since it was
 * not acknowledged, and the mail goes again with the same Message-ID (`deliveryKeyOf`), a copy as above.
 *
 * Failures retry with exponential backoff; a permanent refusal or `maxAttempts` failures end in `dead`, which
 * `packbench hub` reports and logs — never a silent drop.
 *
 * Every mail carries the customer's unsubscribe link (body and RFC 8058 headers). A customer who used it gets
 * transactional mail only (`mailClassOf`); an optional mail is kept as `suppressed` with the reason. Outgoing
 * webhooks go to the shop's systems, not to the customer, and are not suppressed for an opt-out. Nothing at all goes
 * out for a cancelled order but its cancellation notice. Quiet hours are the customer's, in the time zone of the
 * shipping address (`customerTimeZone`).
 */
export class NotificationSender extends Context.Service<
  NotificationSender,
  {
    readonly recoverInterrupted: Effect.Effect<number, StoreError>
    readonly sendDue: Effect.Effect<SendReport, StoreError>
    /** When the next pending message is due, to sleep until then; undefined when nothing waits. */
    readonly nextDueMs: Effect.Effect<number | undefined, StoreError>
    /**
     * The hub's sender, until interrupted: claims due rows as soon as its `doorbell` says a notification was committed,
     * keeps up to the provider's `concurrency` messages in flight, and records their verdicts in small batched
     * commits as they come. Looks again after `pollMs` when nothing woke it, or when the next deferred row is due.
     */
    readonly run: (options: RunOptions) => Effect.Effect<never>
  }
>()("packbench/hub/core/notify/NotificationSender") {
  static readonly layer = Layer.effect(
    NotificationSender,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      const settings = yield* HubSettings
      const mailer = yield* Mailer
      const webhooks = yield* WebhookSender
      const tokens = yield* TrackingTokens
      const nowMs = Effect.map(clock.now, (now) => now.wallMs)

      const recoverInterrupted = sql
        .execute(
          `UPDATE hub_outbox SET status = 'pending', interrupted_attempts = interrupted_attempts + 1,
             last_error = 'interrupted after the attempt was recorded: resent with the same Message-ID'
           WHERE status = 'sending'`
        )
        .pipe(Effect.map((result) => result.changes))

      const backoffMs = (attempts: number) =>
        Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1))

      const setStatus = (
        row: DueRow,
        fields: Readonly<Record<string, string | number | null>>,
        from: ReadonlyArray<string> = ["pending"]
      ) => {
        const names = Object.keys(fields)
        return sql.execute(
          `UPDATE hub_outbox SET ${names.map((name) => `${name} = ?`).join(", ")}
           WHERE notification_id = ? AND channel = ? AND status IN (${from.map(() => "?").join(", ")})`,
          [...names.map((name) => fields[name] ?? null), row.notification_id, row.channel, ...from]
        )
      }

      /** The customer's unsubscribe token, made on their first mail and the same in every later one. */
      const unsubscribeToken = Effect.fnUntraced(function* (row: DueRow) {
        if (row.unsubscribe_token !== null) return row.unsubscribe_token
        yield* sql.execute(
          `INSERT INTO hub_unsubscribe_tokens (token, customer_id, created_at_ms) VALUES (?, ?, ?)
           ON CONFLICT (customer_id) DO NOTHING`,
          [yield* tokens.next, row.customer_id, yield* nowMs]
        )
        const rows = yield* sql.query<{ token: string }>(
          "SELECT token FROM hub_unsubscribe_tokens WHERE customer_id = ?",
          [row.customer_id]
        )
        const token = rows[0]?.token
        if (token === undefined) return yield* Effect.die(`no unsubscribe token stored for ${row.customer_id}`)
        return token
      })

      /** What one shop refund paid back, from the units recorded under the mail's subject. */
      const refundOf = Effect.fnUntraced(function* (subject: string) {
        const units = yield* sql.query<{ currency: string; amount: number; shop_refund_id: string }>(
          `SELECT currency, SUM(amount_minor) AS amount, MIN(shop_refund_id) AS shop_refund_id
           FROM hub_refund_notice_units WHERE refund_subject = ? GROUP BY currency ORDER BY currency`,
          [subject]
        )
        return {
          refundAmounts: units.map((unit) => ({ amountMinor: Number(unit.amount), currency: unit.currency })),
          refundReference: units[0]?.shop_refund_id
        }
      })

      /** See `sourceAddressClaimUnsure` (hub/core/correction/CorrectionAnswers.ts). */
      const parcelLeftSinceShopAddressTold = Effect.fnUntraced(function* (row: DueRow) {
        const correction = correctionOfSubject(row.subject_id)
        return correction !== undefined && (yield* sourceAddressClaimUnsure(sql, row.order_id, correction))
      })

      /**
       * Whether a mail that tells of parcel `row.parcel_id` tells of one parcel of several, so it names the parcel: by
       * its tracking number, or, for one without (`parcelNumber`), by its place among the order's parcels the hub knows
       * as the mail is composed, ordered by packing (a parcel heard of later gets mails of its own that name it). A
       * correction's parcel's own mail (`parcelCorrectionSubject`) always tells of one of several (the correction's
       * mail told of another).
       */
      const oneParcelOfSeveral = Effect.fnUntraced(function* (row: DueRow, correction?: number) {
        if (row.parcel_id === null) return {}
        const own =
          correction !== undefined &&
          row.subject_id === parcelCorrectionSubject(row.order_id, correction, row.parcel_id)
        const places = yield* sql.query<{ others: number; before: number }>(
          `SELECT COUNT(*) AS others,
             COUNT(CASE WHEN COALESCE(p.packed_at_ms, p.handed_at_ms) < COALESCE(m.packed_at_ms, m.handed_at_ms)
               OR (COALESCE(p.packed_at_ms, p.handed_at_ms) = COALESCE(m.packed_at_ms, m.handed_at_ms)
                 AND p.parcel_id < m.parcel_id) THEN 1 END) AS before
           FROM hub_parcels m JOIN hub_parcels p ON p.order_id = m.order_id AND p.parcel_id <> m.parcel_id
           WHERE m.parcel_id = ?`,
          [row.parcel_id]
        )
        const others = Number(places[0]?.others ?? 0)
        if (!own && others === 0) return { oneParcelOfSeveral: false }
        return {
          oneParcelOfSeveral: true,
          ...(trackingNumberOf(row) === undefined ? { parcelNumber: Number(places[0]?.before ?? 0) + 1 } : {})
        }
      })

      /**
       * The customer's correction the subject names, and, for one not used, why: the cause decided from the stations'
       * words (the parcel having left wins over the source's own address, see hub/core/correction/CorrectionAnswers.ts),
       * and whether the mail tells of one parcel of several (`oneParcelOfSeveral`).
       */
      const correctionOf = Effect.fnUntraced(function* (row: DueRow) {
        const correction = correctionOfSubject(row.subject_id)
        if (correction === undefined) return {}
        const rows = yield* sql.query<{ ship_to: string; ignored_cause: string | null }>(
          "SELECT ship_to, ignored_cause FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?",
          [row.order_id, correction]
        )
        const found = rows[0]
        if (found === undefined) return {}
        const cause = Schema.decodeUnknownOption(IgnoredCorrectionCause)(found.ignored_cause)
        return {
          correctedAddress: oneLineAddress(JSON.parse(found.ship_to) as Address),
          ...(yield* oneParcelOfSeveral(row, correction)),
          ...(Option.isSome(cause) ? { correctionIgnoredCause: cause.value } : {})
        }
      })

      /**
       * A fresh link for each attempt at the address correction mail: the token goes into the mail, only its digest
       * into the database, so the link cannot be rebuilt from a copy of it. Every link of the order stops working once a
       * correction is taken; each expires on its own. A link belongs to the order's current hold: a later hold
       * (the corrected address held again) mails a new one and this one is refused as replaced.
       */
      const addressCorrectionLink = Effect.fnUntraced(function* (row: DueRow, now: number, timeZone: string) {
        const token = yield* tokens.next
        const expiresAtMs = now + settings.notify.addressCorrectionTtlMs
        yield* sql.execute(
          `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, attempts,
             hold_round)
           VALUES (?, ?, ?, ?, ?, 0, COALESCE((SELECT CASE WHEN o.address_holds > 1 THEN o.address_holds ELSE 1 END
             FROM hub_orders o WHERE o.order_id = ?), 1))`,
          [tokens.digest(token), row.order_id, row.notification_id, now, expiresAtMs, row.order_id]
        )
        const expiresOn = new Intl.DateTimeFormat(row.locale === "de" ? "de-DE" : "en-GB", {
          timeZone,
          dateStyle: "medium",
          timeStyle: "short"
        }).format(new Date(expiresAtMs))
        return {
          addressCorrectionUrl: addressCorrectionUrlOf(settings.publicBaseUrl, token),
          addressCorrectionExpiresOn: expiresOn
        }
      })

      /**
       * Decides one due row as of `now`: recorded as dead, deferred or suppressed, or to be claimed with its rendered
       * message (`claimAll`), to be sent once the claim is committed.
       */
      const prepare = Effect.fnUntraced(function* (
        row: DueRow,
        now: number
      ): Effect.fn.Return<Outcome | ToClaim, StoreError> {
        if (row.email === null || row.locale === null || row.first_name === null) {
          // The order (and so the customer) may still be on its way from another station: wait, then give up.
          if (now - Number(row.created_at_ms) > settings.unknownCustomerGiveUpMs) {
            yield* setStatus(row, { status: "dead", last_error: "the hub never learnt this order's customer" })
            yield* Effect.logError(`hub: notification ${row.notification_id} dead: order ${row.order_id} unknown`)
            return "dead" as const
          }
          yield* setStatus(row, { next_attempt_ms: now + settings.retryBaseMs, deferred_reason: "customer unknown" })
          return "deferred" as const
        }
        // Nothing goes out for a cancelled order but the cancellation notice: not to the customer, not to the shop.
        if (row.cancelled_at_ms !== null && row.kind !== "order-cancelled") {
          const reason = `order ${row.order_id} was cancelled`
          yield* setStatus(row, { status: "suppressed", suppressed_reason: reason, deferred_reason: null })
          yield* Effect.logInfo(`hub: notification ${row.notification_id} suppressed: ${reason}`)
          return "suppressed" as const
        }
        if (row.kind === "address-correction" && row.hold_released_at_ms !== null) {
          const reason = `the address of order ${row.order_id} was corrected before the request went out`
          yield* setStatus(row, { status: "suppressed", suppressed_reason: reason, deferred_reason: null })
          return "suppressed" as const
        }
        if (row.kind === "address-correction-ignored" && (yield* parcelLeftSinceShopAddressTold(row))) {
          const reason = `a parcel of order ${row.order_id} has left with the carrier from a station that did not follow the shop's address: the mail would say it goes to the address the shop set, and it may carry another`
          yield* setStatus(row, { status: "suppressed", suppressed_reason: reason, deferred_reason: null })
          yield* Effect.logWarning(`hub: notification ${row.notification_id} suppressed: ${reason}`)
          return "suppressed" as const
        }
        if (row.channel === "email" && !mayNotify(row.kind, { optedOut: Number(row.opted_out) === 1 })) {
          const reason = `customer ${row.customer_id} opted out of optional mail (${row.kind})`
          yield* setStatus(row, { status: "suppressed", suppressed_reason: reason, deferred_reason: null })
          yield* Effect.logInfo(`hub: notification ${row.notification_id} suppressed: ${reason}`)
          return "suppressed" as const
        }
        const timeZone = customerTimeZone(shipToPlace(row.ship_to), row.locale, settings.notify.timeZones)
        if (row.channel === "email") {
          const window = sendWindow(now, timeZone, settings.notify)
          if (window.deferred) {
            yield* setStatus(row, { next_attempt_ms: window.sendAtMs, deferred_reason: "quiet hours" })
            return "deferred" as const
          }
        }
        if (row.channel === "email") {
          const refused = recipientProblem({ to: row.email })
          if (refused !== undefined) {
            yield* setStatus(row, { status: "dead", last_error: refused.message })
            yield* Effect.logError(`hub: notification ${row.notification_id} dead: ${refused.message}`)
            return "dead" as const
          }
        }
        const brand = brandFor(settings.brands, row.brand ?? "")
        const unsubscribeUrl = unsubscribeUrlOf(settings.publicBaseUrl, yield* unsubscribeToken(row))
        const carrierName =
          row.carrier === null
            ? undefined
            : (defaultCarrierProfiles.find((profile) => profile.id === row.carrier)?.name ?? row.carrier)
        const trackingNumber = trackingNumberOf(row)
        const rendered = renderNotification(row.kind, row.locale, brand, {
          firstName: row.first_name,
          orderId: row.order_id,
          carrierName,
          trackingNumber,
          carrierTrackingUrl:
            row.carrier === null || trackingNumber === undefined
              ? undefined
              : carrierTrackingUrl(row.carrier, trackingNumber),
          trackingPageUrl:
            row.tracking_token === null ? undefined : `${settings.publicBaseUrl}/t/${row.tracking_token}`,
          expectedDeliveryDate: row.expected_delivery_date ?? undefined,
          feedbackPageUrl:
            row.feedback_token === null ? undefined : `${settings.publicBaseUrl}/f/${row.feedback_token}`,
          delayReason: row.delay_reason ?? undefined,
          addressProblems: row.address_problems === null ? undefined : (JSON.parse(row.address_problems) as string[]),
          ...(parcelKinds.has(row.kind) ? yield* oneParcelOfSeveral(row) : {}),
          ...(row.kind === "refund-issued" ? yield* refundOf(row.subject_id) : {}),
          ...(row.kind === "address-correction-ignored" ||
          row.kind === "address-correction-relabel" ||
          row.kind === "address-correction-parcel-left" ||
          row.kind === "address-correction-applied"
            ? yield* correctionOf(row)
            : {}),
          ...(row.kind === "address-correction" && row.channel === "email"
            ? yield* addressCorrectionLink(row, now, timeZone)
            : {}),
          unsubscribeUrl
        })
        return {
          row,
          to: row.email,
          locale: row.locale,
          unsubscribeUrl,
          brand,
          rendered,
          recipient: row.channel === "email" ? row.email : (settings.webhookUrl ?? null)
        }
      })

      /**
       * On PostgreSQL, locks the outbox rows of `rows` that are still `pending` and that no other transaction holds
       * (`FOR UPDATE SKIP LOCKED`), first thing in the transaction that decides and claims them; only those are
       * decided (`decideAll`), so every later statement of that transaction touches rows it holds already and it never
       * waits for a row lock. A row a consumer's batch holds (`suppressPending`, `lockedMails`: it may be deciding
       * whether the mail goes) is left for the next pass, which finds it as that batch left it. A batch locks order
       * after order as its events come, so no order of locking both sides keep exists; a claim that waited while
       * holding another order's row could close a cycle (40P01, a second lost for PostgreSQL's deadlock_timeout
       * and the batch applied again) and one that never waits cannot. SQLite runs every transaction alone: all rows.
       */
      const lockedForClaim = Effect.fnUntraced(function* (rows: ReadonlyArray<DueRow>) {
        if (sql.dialect !== "postgres" || rows.length === 0) return undefined
        const locked = yield* sql.query<{ notification_id: string; channel: string }>(
          `WITH due (notification_id, channel) AS (VALUES ${rows.map(() => "(?, ?)").join(", ")})
           SELECT b.notification_id, b.channel FROM hub_outbox b
           JOIN due ON b.notification_id = due.notification_id AND b.channel = due.channel
           WHERE b.status = 'pending'
           FOR UPDATE OF b SKIP LOCKED`,
          rows.flatMap((row) => [row.notification_id, row.channel])
        )
        return new Set(locked.map((row) => outboxKey(row.notification_id, row.channel)))
      })

      /**
       * Decides the rows (`prepare`) and claims the ones to send (`claimAll`), in the caller's transaction; a row left
       * because another transaction holds it (`lockedForClaim`) is `skipped`. The decisions come back in the order
       * given.
       */
      const decideAll = Effect.fnUntraced(function* (rows: ReadonlyArray<DueRow>, now: number) {
        const locked = yield* lockedForClaim(rows)
        const decisions = yield* Effect.forEach(
          rows,
          (row): Effect.Effect<Outcome | "skipped" | ToClaim, StoreError> =>
            locked === undefined || locked.has(outboxKey(row.notification_id, row.channel))
              ? prepare(row, now)
              : Effect.succeed("skipped")
        )
        return yield* claimAll(decisions, now)
      })

      /**
       * Claims the rows `prepare` decided to send, in one statement for all of them (SQLite does about the same work
       * either way; what one statement a row cost was its own steps through the Sql port and their garbage:
       * bench:sender-cpu): each still `pending` becomes `sending` with its attempts counted, in the transaction
       * that decided it, so a crash before its verdict is recorded leaves it `sending` for `recoverInterrupted`, as a
       * claim of its own did. One another sender (a second hub on the same database) took first is skipped, and so
       * is one the projection suppressed while this pass decided: only `pending` rows are claimed, and on PostgreSQL
       * only rows `lockedForClaim` took, so the projection, which reads the mails it decides by locked
       * (hub/core/correction/CorrectionAnswers.ts's `lockedMails`), either held the row first (the claim left it) or
       * waits for the claim's commit and reads the mail as going. The decisions come back in the order given.
       */
      const claimAll = Effect.fnUntraced(function* (
        decided: ReadonlyArray<Outcome | "skipped" | ToClaim>,
        now: number
      ): Effect.fn.Return<ReadonlyArray<Outcome | "skipped" | Claimed>, StoreError> {
        const toClaim = decided.filter((decision): decision is ToClaim => typeof decision !== "string")
        if (toClaim.length === 0) return decided as ReadonlyArray<Outcome | "skipped">
        const claimed = yield* sql.query<{ notification_id: string; channel: string; attempts: number }>(
          `WITH claim (notification_id, channel, recipient, subject) AS (VALUES ${toClaim.map(() => "(?, ?, ?, ?)").join(", ")})
           UPDATE hub_outbox SET status = 'sending', attempts = hub_outbox.attempts + 1, attempt_started_ms = ?,
             recipient = claim.recipient, subject = claim.subject, deferred_reason = NULL
           FROM claim
           WHERE hub_outbox.notification_id = claim.notification_id AND hub_outbox.channel = claim.channel
             AND hub_outbox.status = 'pending'
           RETURNING hub_outbox.notification_id, hub_outbox.channel, hub_outbox.attempts`,
          [
            ...toClaim.flatMap(({ row, recipient, rendered }) => [
              row.notification_id,
              row.channel,
              recipient,
              rendered.subject
            ]),
            now
          ]
        )
        const attemptsOf = new Map(claimed.map((row) => [outboxKey(row.notification_id, row.channel), row.attempts]))
        return decided.map((decision) => {
          if (typeof decision === "string") return decision
          const attempts = attemptsOf.get(outboxKey(decision.row.notification_id, decision.row.channel))
          return attempts === undefined ? ("skipped" as const) : { ...decision, attempts: Number(attempts) }
        })
      })

      /** Hands one claimed message to the provider; its verdict and when it came. */
      const deliver = Effect.fnUntraced(function* ({ row, to, locale, unsubscribeUrl, brand, rendered }: Claimed) {
        const outcome =
          row.channel === "email"
            ? yield* mailer
                .send({
                  messageId: messageIdOf(deliveryKeyOf(row.kind, row.subject_id)),
                  from: brand.from,
                  to,
                  subject: rendered.subject,
                  text: rendered.text,
                  html: rendered.html,
                  language: locale,
                  unsubscribeUrl
                })
                .pipe(Effect.result)
            : yield* webhooks
                .send({
                  url: settings.webhookUrl ?? "",
                  idempotencyKey: deliveryKeyOf(row.kind, row.subject_id),
                  body: {
                    notificationId: row.notification_id,
                    kind: row.kind,
                    orderId: row.order_id,
                    parcelId: row.parcel_id,
                    locale: row.locale,
                    email: row.email,
                    subject: rendered.subject,
                    carrier: row.carrier,
                    trackingNumber: row.tracking_number
                  }
                })
                .pipe(
                  Effect.map((ok) => ({ response: `HTTP ${ok.status}` })),
                  Effect.result
                )
        return { outcome, done: yield* nowMs }
      })

      /** Records a failed attempt at one claimed message: retried later, or dead (`settleAll` records the sent). */
      const settleFailure = Effect.fnUntraced(function* (
        { row, attempts }: Claimed,
        error: { readonly permanent: boolean; readonly message: string },
        done: number
      ) {
        if (error.permanent || attempts >= settings.maxAttempts) {
          yield* setStatus(row, { status: "dead", last_error: error.message }, ["sending"])
          yield* Effect.logError(
            `hub: ${row.channel} for notification ${row.notification_id} (${row.kind}) dead after ${attempts} attempts: ${error.message}`
          )
          return "dead" as const
        }
        yield* setStatus(
          row,
          { status: "pending", next_attempt_ms: done + backoffMs(attempts), last_error: error.message },
          ["sending"]
        )
        yield* Effect.logWarning(`hub: ${row.channel} for ${row.notification_id} failed, retrying: ${error.message}`)
        return "retried" as const
      })

      /**
       * Records the verdicts of claimed messages, in order: every mail the provider accepted in one statement (see
       * `claimAll`), the rest one by one (`settleFailure`).
       */
      const settleAll = Effect.fnUntraced(function* (
        batch: ReadonlyArray<{ readonly claim: Claimed; readonly verdict: Verdict }>
      ): Effect.fn.Return<ReadonlyArray<Outcome>, StoreError> {
        const outcomes: Array<Outcome> = []
        const sent: Array<SqlValue> = []
        for (const { claim, verdict } of batch) {
          if (verdict.outcome._tag === "Success") {
            sent.push(claim.row.notification_id, claim.row.channel, verdict.done, verdict.outcome.success.response)
            outcomes.push("sent")
          } else outcomes.push(yield* settleFailure(claim, verdict.outcome.failure, verdict.done))
        }
        if (sent.length > 0) {
          yield* sql.execute(
            `WITH verdict (notification_id, channel, sent_at_ms, provider_response) AS
               (VALUES ${Array.from({ length: sent.length / 4 }, () => "(?, ?, CAST(? AS BIGINT), ?)").join(", ")})
             UPDATE hub_outbox SET status = 'sent', sent_at_ms = verdict.sent_at_ms,
               provider_response = verdict.provider_response, last_error = NULL
             FROM verdict
             WHERE hub_outbox.notification_id = verdict.notification_id AND hub_outbox.channel = verdict.channel
               AND hub_outbox.status = 'sending'`,
            sent
          )
        }
        return outcomes
      })

      /**
       * On PostgreSQL, locks the outbox rows of `batch` that no other transaction holds (`FOR UPDATE SKIP LOCKED`),
       * first thing in the transaction that records their verdicts (`recordVerdicts`); SQLite runs every transaction
       * alone: undefined.
       */
      const lockedForSettle = Effect.fnUntraced(function* (batch: ReadonlyArray<{ readonly claim: Claimed }>) {
        if (sql.dialect !== "postgres" || batch.length === 0) return undefined
        const locked = yield* sql.query<{ notification_id: string; channel: string }>(
          `WITH settled (notification_id, channel) AS (VALUES ${batch.map(() => "(?, ?)").join(", ")})
           SELECT b.notification_id, b.channel FROM hub_outbox b
           JOIN settled ON b.notification_id = settled.notification_id AND b.channel = settled.channel
           FOR UPDATE OF b SKIP LOCKED`,
          batch.flatMap(({ claim }) => [claim.row.notification_id, claim.row.channel])
        )
        return new Set(locked.map((row) => outboxKey(row.notification_id, row.channel)))
      })

      /**
       * Records the verdicts of claimed messages (`settleAll`), never waiting for a row lock while holding another
       * order's row. A consumer's batch locks the outbox rows of the mails it decides by (CorrectionAnswers.ts's
       * `lockedMails`, `sending` ones too) order after order as its events come, so no order of locking holds for both
       * sides: a settle of two orders' verdicts that locked one while the batch held the other, and the batch that then
       * read the first, deadlocked (40P01: a second lost for deadlock_timeout, an error logged, one of them applied
       * again). On PostgreSQL the verdicts of the rows no one else holds (`lockedForSettle`) are recorded in one commit,
       * which never waits; each row a batch held is recorded after it in a transaction of its own, which waits for
       * that batch holding nothing it could want. The outcomes come back in the order given.
       */
      const recordVerdicts = Effect.fnUntraced(function* (
        batch: ReadonlyArray<{ readonly claim: Claimed; readonly verdict: Verdict }>
      ): Effect.fn.Return<ReadonlyArray<Outcome>, StoreError> {
        const first = yield* sql.transaction(
          Effect.gen(function* () {
            const locked = yield* lockedForSettle(batch)
            const free =
              locked === undefined
                ? batch
                : batch.filter(({ claim }) => locked.has(outboxKey(claim.row.notification_id, claim.row.channel)))
            return { free, outcomes: yield* settleAll(free) }
          }),
          { partition: [SENDER_PARTITION] }
        )
        if (first.free.length === batch.length) return first.outcomes
        const recorded = new Map(first.free.map((settled, index) => [settled, first.outcomes[index]]))
        const outcomes: Array<Outcome> = []
        for (const settled of batch) {
          const outcome = recorded.get(settled)
          if (outcome !== undefined) outcomes.push(outcome)
          else outcomes.push(...(yield* sql.transaction(settleAll([settled]), { partition: [SENDER_PARTITION] })))
        }
        return outcomes
      })

      /** The orders whose rows a pass of this process has taken and not yet settled. */
      const busyOrders = new Set<string>()

      /**
       * Due rows, oldest first: `limit` and `beyond` more (as many as there are orders in flight, which are left alone).
       * Each row read joins its order, customer, tokens and parcel, the mail path's costliest statement.
       */
      const dueRows = (now: number, limit: number, beyond: number) =>
        sql.query<DueRow>(
          `SELECT b.notification_id, b.channel, b.attempts, n.kind, n.subject_id, n.order_id, n.parcel_id,
             n.delay_reason, n.created_at_ms, c.customer_id, u.token AS unsubscribe_token, c.first_name, c.email,
             c.locale, c.opted_out, o.brand, o.address_problems, o.ship_to, o.cancelled_at_ms, o.hold_released_at_ms,
             p.carrier, p.tracking_number, p.tracking_token, p.expected_delivery_date, f.token AS feedback_token
           FROM hub_outbox b
           JOIN hub_notifications n ON n.notification_id = b.notification_id
           LEFT JOIN hub_orders o ON o.order_id = n.order_id
           LEFT JOIN hub_customers c ON c.customer_id = o.customer_id
           LEFT JOIN hub_unsubscribe_tokens u ON u.customer_id = c.customer_id
           LEFT JOIN hub_parcels p ON p.parcel_id = n.parcel_id
           LEFT JOIN hub_feedback f ON f.parcel_id = n.parcel_id AND n.kind = 'feedback-request'
           WHERE b.status = 'pending' AND b.next_attempt_ms <= ?
           ORDER BY b.next_attempt_ms LIMIT ${limit} + ?`,
          [now, beyond]
        )

      const sendDue = Effect.gen(function* () {
        const now = yield* nowMs
        const candidates = yield* dueRows(now, SEND_PASS_ROWS, busyOrders.size)
        // Passes may overlap (the hub runs more than one sender loop): a pass leaves alone the orders another pass of
        // this process is handling, so one order's mails still go out one after the other.
        const rows: Array<DueRow> = []
        const mine = new Set<string>()
        for (const row of candidates) {
          if (rows.length >= SEND_PASS_ROWS) break
          if (busyOrders.has(row.order_id) && !mine.has(row.order_id)) continue
          rows.push(row)
          mine.add(row.order_id)
        }
        for (const order of mine) busyOrders.add(order)
        return yield* pass(rows, now).pipe(
          Effect.ensuring(
            Effect.sync(() => {
              for (const order of mine) busyOrders.delete(order)
            })
          )
        )
      })

      /** Decides, claims, sends and settles one pass's rows. */
      const pass = Effect.fnUntraced(function* (rows: ReadonlyArray<DueRow>, now: number) {
        const report = { sent: 0, retried: 0, dead: 0, deferred: 0, suppressed: 0 }
        // Every row of the pass is decided and the ones to send are claimed in one transaction: one commit (one
        // fsync) before any of them leaves, instead of one per row.
        const decided = yield* sql.transaction(decideAll(rows, now), { partition: [SENDER_PARTITION] })
        const claims: Array<Claimed> = []
        for (const decision of decided) {
          if (decision === "skipped") continue
          if (typeof decision === "string") report[decision]++
          else claims.push(decision)
        }
        if (claims.length === 0) return report
        // Sent side by side, as many at once as the provider takes (the SMTP pool's connections), but one order's
        // messages one after the other in the order they were due, so a customer never gets "on its way" before
        // "thank you for your order".
        const byOrder = new Map<string, Array<Claimed>>()
        for (const claim of claims) {
          const group = byOrder.get(claim.row.order_id)
          if (group === undefined) byOrder.set(claim.row.order_id, [claim])
          else group.push(claim)
        }
        const verdicts = new Map<Claimed, Effect.Success<ReturnType<typeof deliver>>>()
        yield* Effect.forEach(
          byOrder.values(),
          (group) =>
            Effect.forEach(group, (claim) => Effect.map(deliver(claim), (verdict) => verdicts.set(claim, verdict)), {
              discard: true
            }),
          { concurrency: Math.max(1, mailer.concurrency ?? 1), discard: true }
        )
        // A crash before this commit leaves the claims in `sending`: resent after restart (at least once).
        const batch: Array<{ readonly claim: Claimed; readonly verdict: Verdict }> = []
        for (const claim of claims) {
          const verdict = verdicts.get(claim)
          if (verdict === undefined) return yield* Effect.die("a claimed message was not handed to its provider")
          batch.push({ claim, verdict })
        }
        const settled = yield* recordVerdicts(batch)
        for (const outcome of settled) report[outcome]++
        return report
      })

      const nextDueMs = sql
        .query<{ due: number | null }>("SELECT MIN(next_attempt_ms) AS due FROM hub_outbox WHERE status = 'pending'")
        .pipe(
          Effect.map((rows) => (rows[0]?.due === null || rows[0]?.due === undefined ? undefined : Number(rows[0].due)))
        )

      type Verdict = Effect.Success<ReturnType<typeof deliver>>

      /**
       * Hands one claimed message to its provider. A defect on the way is a failed attempt like a lost connection
       * (logged, retried with backoff, dead after `maxAttempts`), so the claim is always settled.
       */
      const deliverSafely = (claim: Claimed): Effect.Effect<Verdict> =>
        deliver(claim).pipe(
          Effect.catchDefect((defect) =>
            Effect.gen(function* () {
              yield* Effect.logError(`hub: sending notification ${claim.row.notification_id} failed`, defect)
              const error = new MailerError({
                reason: "Unavailable",
                permanent: false,
                message: `the sender failed: ${defect instanceof Error ? defect.message : String(defect)}`
              })
              return { outcome: Result.fail(error), done: yield* nowMs }
            })
          )
        )

      const run = (options: RunOptions) =>
        Effect.gen(function* () {
          const capacity = Math.max(1, mailer.concurrency ?? 1)
          const verdicts = yield* Queue.unbounded<{ readonly claim: Claimed; readonly verdict: Verdict }>()
          const { doorbell } = options
          let inFlight = 0
          // Whether the last claim left a due row alone because its order was in flight: a settle wakes it then.
          let blocked = false

          const busyWindowMs = options.busyWindowMs ?? DEFAULT_BUSY_WINDOW_MS
          /** Lets more work join the next commit while the sender is busy (see `busyWindowMs`). */
          const gatherWhileBusy = Effect.suspend(() =>
            inFlight > 0 && busyWindowMs > 0 ? Effect.sleep(Duration.millis(busyWindowMs)) : Effect.void
          )
          /** How close together the claimed rows have been coming (monotonic ms): only a steady stream gathers. */
          const claimPace = makeArrivalPace()

          // Records the verdicts that have come (and, while busy, those that come within the window), up to
          // SEND_BATCH_ROWS in one commit. A failed commit is logged and tried again (the verdicts are known and the
          // rows stay `sending` until it succeeds): never dropped.
          const settleBatch = Effect.gen(function* () {
            const batch = [...(yield* Queue.takeBetween(verdicts, 1, SEND_BATCH_ROWS))]
            // Verdicts come as the mails were claimed: only while the rows have been claimed closer together than the
            // window does another come within it. In a slower stream (100 a second, one mail still at the server) it
            // would come after the window, which then only cost a timer's wake-up and held the order's next mail.
            if (batch.length < SEND_BATCH_ROWS && claimPace.expectsMoreWithin(busyWindowMs)) {
              yield* gatherWhileBusy
              batch.push(...(yield* takeWaiting(verdicts, SEND_BATCH_ROWS - batch.length)))
            }
            let retryMs = settings.retryBaseMs
            while (true) {
              const written = yield* Effect.exit(recordVerdicts(batch))
              if (Exit.isSuccess(written)) break
              yield* Effect.logError(
                "hub: recording the verdicts of sent notifications failed; trying again",
                written.cause
              )
              yield* Effect.sleep(Duration.millis(retryMs))
              retryMs = Math.min(settings.retryMaxMs, retryMs * 2)
            }
            for (const { claim } of batch) busyOrders.delete(claim.row.order_id)
            if (blocked) doorbell.ring()
          })

          /** When the last claim began (monotonic), so that only claims that follow each other closely gather. */
          let lastClaimNs: bigint | undefined
          // Claims what is due now, one row per order (an order's next row waits for the one before it to settle, so
          // a customer never gets "on its way" before "thank you for your order"), as many as there are free slots,
          // in one commit; each claimed message then goes to its provider on its own. True when it filled the slots.
          const claimBatch = Effect.gen(function* () {
            // Only a claim close behind the last one waits: one after a quiet spell (a parcel a while after the last,
            // with a mail still at the server) is alone, and a wait would only delay its mail. So is one that met
            // another by chance in a slow stream (two parcels at 100 a second that one TCP read brought): it waits
            // only while the rows claimed have been coming closer together than the window on average.
            const startedNs = BigInt((yield* clock.now).monoNs)
            const startedMs = Number(startedNs / 1_000n) / 1_000
            const closeBehind = lastClaimNs !== undefined && startedNs - lastClaimNs < BigInt(busyWindowMs) * 1_000_000n
            lastClaimNs = startedNs
            if (closeBehind && claimPace.expectsMoreWithin(busyWindowMs)) yield* gatherWhileBusy
            const limit = Math.min(capacity - inFlight, SEND_BATCH_ROWS)
            const now = yield* nowMs
            const rows: Array<DueRow> = []
            const release = (row: DueRow) => busyOrders.delete(row.order_id)
            /** Takes one due row per order not in flight, up to `limit`. */
            const take = (candidates: ReadonlyArray<DueRow>) => {
              blocked = false
              for (const row of candidates) {
                if (rows.length >= limit) break
                if (busyOrders.has(row.order_id)) {
                  blocked = true
                  continue
                }
                rows.push(row)
                busyOrders.add(row.order_id)
              }
            }
            // The first read is of `limit` rows, what the free slots take: one of `limit` and as many more as there
            // are orders in flight read about seven rows for each one taken at 1,000 parcels a second (their orders
            // had no more mail due), each joined for nothing. Only when it met rows it had to leave (an order in
            // flight, or one order's second row) is it read again as before, so the same rows are taken.
            const takeDue = Effect.gen(function* () {
              const inFlightOrders = busyOrders.size
              const first = yield* dueRows(now, limit, 0)
              take(first)
              if (inFlightOrders === 0 || first.length < limit || rows.length >= limit) return rows.length
              rows.forEach(release)
              rows.length = 0
              take(yield* dueRows(now, limit, inFlightOrders))
              return rows.length
            })
            const decide = Effect.suspend(() => decideAll(rows, now))
            // The claim need not be on disk before the mail goes (see TransactionOptions.durable): a claim lost in a
            // power cut leaves the row due, and it is sent again, as after a crash with the claim kept. Nor need the
            // commit that recorded the notification (it reads ahead, see TransactionOptions.readsAhead): one a power
            // cut takes is recorded again when its source sends the fact again (a station resends what the hub had
            // not acknowledged, which it does only once on disk), and its mail goes again with the same delivery key
            // (`deliveryKeyOf`), as after a crash between the server's acceptance and its record. On SQLite the due
            // rows are read in the claim's transaction, so that they too are read ahead of the sync; on PostgreSQL,
            // where nothing is read ahead, they are read first, and a wake-up that finds nothing due (one a batch,
            // before its commit) costs that query only, not a transaction.
            const claimOptions = { partition: [SENDER_PARTITION], durable: false, readsAhead: true }
            const claimed =
              sql.dialect === "sqlite"
                ? sql.transaction(Effect.andThen(takeDue, decide), claimOptions)
                : Effect.flatMap(takeDue, (taken) =>
                    taken === 0 ? Effect.succeed([]) : sql.transaction(decide, claimOptions)
                  )
            const decided = yield* claimed.pipe(Effect.onError(() => Effect.sync(() => rows.forEach(release))))
            if (rows.length === 0) return false
            claimPace.note(startedMs, rows.length)
            for (const [index, decision] of decided.entries()) {
              if (typeof decision === "string") {
                const row = rows[index]
                if (row !== undefined) release(row)
                continue
              }
              inFlight++
              // The provider's slot is free once it answered; the order stays busy until the verdict is committed.
              // Started at once, not on the scheduler's next turn: the mail is on its way before the next is decided.
              yield* Effect.forkChild(
                Effect.flatMap(deliverSafely(decision), (verdict) =>
                  Effect.sync(() => {
                    // Only a full sender waits for a slot; a wake for every answer would be a query for nothing.
                    if (inFlight-- >= capacity) doorbell.ring()
                    Queue.offerUnsafe(verdicts, { claim: decision, verdict })
                  })
                ),
                { startImmediately: true }
              )
            }
            return rows.length >= limit
          })

          // Rings the doorbell when the next due row's time comes (or after `pollMs`). It runs beside the wait, in a
          // fiber of its own: its lookup waits for a commit's sync that is on its way, and the wake-up for that commit
          // must not. A lookup that fails is logged, and the sender looks again after `pollMs`.
          const untilNextDue = Effect.gen(function* () {
            const next = yield* nextDueMs
            const now = yield* nowMs
            // Due now but not taken: its order is in flight; the settle wakes us for it.
            return next === undefined || next <= now
              ? options.pollMs
              : Math.max(1, Math.min(options.pollMs, next - now))
          }).pipe(
            Effect.catchCause((cause) =>
              Effect.as(
                Effect.logError("hub: the sender could not look up when the next notification is due", cause),
                options.pollMs
              )
            ),
            Effect.flatMap((waitMs) => Effect.sleep(Duration.millis(waitMs))),
            Effect.andThen(Effect.sync(() => doorbell.ring()))
          )
          let timer: Fiber.Fiber<void> | undefined
          // Until there are free slots and nothing more is due now: then woken by a commit, a settle, or the next due row.
          const waitForWork = Effect.gen(function* () {
            // A full sender waits for a slot (a wake-up for a commit meanwhile finds it full again and waits on).
            if (inFlight >= capacity) return yield* doorbell.wait
            // The last wait's timer goes now, not when that wait ended: interrupting a fiber costs about 0.1 ms (its
            // cause and stack annotations), which a wake-up would wait for. Should it ring meanwhile, the sender
            // looks once for nothing.
            timer?.interruptUnsafe()
            timer = yield* Effect.forkChild(untilNextDue, { startImmediately: true })
            yield* doorbell.wait
          })

          yield* Effect.forkChild(Effect.forever(settleBatch))
          return yield* Effect.forever(
            // Woken, it claims at once: a new turn of `forever` would first wait for the scheduler (a yield). A turn
            // ends when a claim filled the free slots.
            Effect.gen(function* () {
              while (!(inFlight < capacity && (yield* claimBatch))) {
                yield* waitForWork
              }
            }).pipe(
              Effect.catchCause((cause) =>
                Effect.andThen(
                  Effect.logError("hub: the sender failed to claim due notifications", cause),
                  Effect.sleep(Duration.millis(options.pollMs))
                )
              )
            )
          )
        })

      return NotificationSender.of({ recoverInterrupted, sendDue, nextDueMs, run })
    })
  )
}
