/**
 * What became of a customer's correction at each station that has the order, and whether the customer is to hear that
 * it is not used: one outcome per correction, decided from every station's word.
 */
import { Effect } from "effect"
import { sameDeliveryAddress } from "../../../core/address/sameDeliveryAddress.ts"
import type { Address } from "../../../core/orders/Order.ts"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import type { IgnoredCorrectionCause } from "../notify/NotificationKind.ts"
import { type CorrectionParcel, correctionSubject, parcelCorrectionSubject } from "../notify/NotificationRules.ts"
import type { StationRef } from "./CorrectionToStations.ts"

/**
 * A station's answer to a correction (`hub_correction_answers`, hub migration 69):
 * - `applied`: it took the address (`order.address-corrected` with the correction's number);
 * - `ignored`: it did not (`inbound.update-ignored`), with its cause, none for a word this hub does not know;
 * - `overridden`: it applied it, then the order's source set an address of its own, which the station follows;
 * - `replaced`: the customer's own newer correction holds there (`not-newer`, or a newer one applied).
 */
export type StationAnswer = "applied" | "ignored" | "overridden" | "replaced"

export interface AnswerRow {
  /** `<site>/<station>`. */
  readonly station: string
  readonly outcome: StationAnswer
  readonly cause: string | null
}

/** What the hub knows besides the stations' answers when it decides a correction. */
export interface DecisionContext {
  /**
   * The wait for every station's answer (`hub.notify.correctionAnswerWait`, from when the correction was made) is
   * over: a station still silent (gone for good, switched off, a build that drops the hub's correction) no longer
   * holds the outcome back.
   */
  readonly waitOver: boolean
  /**
   * A parcel of the order left with the carrier that the hub cannot place: recorded before the hub kept a parcel's
   * station (hub migration 77), so which address it carries is not known. A parcel whose station is known is told of
   * when it leaves (`leftParcelOutcome`).
   */
  readonly parcelLeft: boolean
}

/**
 * Every station that has the order (`stations`, each `<site>/<station>`) answered that it follows the source's address
 * (before the correction came, or over it since): a parcel any of them handed over carries the source's address, since
 * a station's handovers reach the hub before its later words.
 */
export const saidSourceAddressEverywhere = (answers: ReadonlyArray<AnswerRow>, stations: ReadonlyArray<string>) => {
  const answered = new Set(answers.map((answer) => answer.station))
  return (
    stations.every((station) => answered.has(station)) &&
    answers.every(
      (answer) => answer.outcome === "overridden" || (answer.outcome === "ignored" && answer.cause === "source-changed")
    )
  )
}

/**
 * Whether the customer is told that their correction is not used, and why; undefined while it is not (yet) so:
 * - a parcel that left with the carrier before the correction reached its station travels to the address it was
 *   labelled for, whatever the other stations did: told at once;
 * - a station where the correction holds (applied and not overridden since, or the customer's newer one) keeps it
 *   for the parcel packed there: nothing to tell while it holds;
 * - else the mail says the parcel goes to the address the source set: before the correction reached a station
 *   (`source-changed`), or after stations applied it (`source-changed-after`). That is said at once when every
 *   station that has the order said so (`saidSourceAddressEverywhere`). A station that is silent, or ignored it for a
 *   reason this hub does not know, may have applied it or shipped a parcel: the claim waits until the wait for
 *   answers is over, and is then made from the answers there are, but not while a parcel of the order the hub cannot
 *   place has left (labelled for either address): `ignoredNow` reports that, for the log. A station's word this hub
 *   does not know alone tells nothing. A parcel that left from a known station is told of by `leftParcelOutcome`.
 */
export const ignoredOutcome = (
  answers: ReadonlyArray<AnswerRow>,
  stations: ReadonlyArray<string>,
  context: DecisionContext
): IgnoredCorrectionCause | undefined => {
  if (answers.some((answer) => answer.outcome === "ignored" && answer.cause === "handed-to-carrier")) {
    return "handed-to-carrier"
  }
  if (answers.some((answer) => answer.outcome === "applied" || answer.outcome === "replaced")) return undefined
  if (!saidSourceAddressEverywhere(answers, stations) && (!context.waitOver || context.parcelLeft)) return undefined
  if (answers.some((answer) => answer.outcome === "ignored" && answer.cause === "source-changed")) {
    return "source-changed"
  }
  if (answers.some((answer) => answer.outcome === "overridden")) return "source-changed-after"
  return undefined
}

/**
 * What a parcel that left with the carrier tells the customer of their correction, by the answer of the station whose
 * label it carries (the one that packed it) when the hub hears that it left: a station's words reach the hub in the
 * order it said them, and a station that applies a correction after packing holds the parcel until it has a label
 * for the new address, so that answer is the address on the parcel. Told at once, whatever the other stations did:
 * - applied there (or the customer's newer one): the parcel carries the customer's address, nothing to tell;
 * - that station follows the source's address (it had it before the correction came, or took it over the
 *   correction since): the parcel goes to the address the source set;
 * - that station said the parcel had left before the correction came: told of already;
 * - it did not apply it for a reason of its own, or has not answered (switched off, a build that drops the hub's
 *   correction, or it packed before the correction reached it): the parcel left without it (`parcel-left`).
 */
export const leftParcelOutcome = (answer: AnswerRow | undefined): IgnoredCorrectionCause | undefined => {
  if (answer === undefined) return "parcel-left"
  switch (answer.outcome) {
    case "applied":
    case "replaced":
      return undefined
    case "overridden":
      return "source-changed-after"
    case "ignored":
      return answer.cause === "handed-to-carrier" || answer.cause === "source-changed" ? answer.cause : "parcel-left"
  }
}

/** Why correction `correction` of `orderId` is not used, decided by `station`'s word (none: the timer pass). */
interface DecidedCause {
  readonly orderId: string
  readonly correction: number
  readonly cause: IgnoredCorrectionCause
  readonly station: StationRef | undefined
}

/** The causes that say a parcel left without the correction: the mail tells the customer where it went. */
const parcelGone = (cause: string | null | undefined) => cause === "handed-to-carrier" || cause === "parcel-left"

/** A customer mail's outbox row, as `lockedMails` reads it. */
export interface MailState {
  readonly notification_id: string
  readonly parcel_id: string | null
  readonly status: string
}

/**
 * The outbox rows of the mails of `kinds` with subject among `subjects`, for the projection to decide by whether they
 * went. On PostgreSQL they are locked for the rest of the transaction (FOR UPDATE, in one order), since the sender runs
 * beside the projection: a claim of the mail (hub/core/notify/NotificationSender.ts's `lockedForClaim`, then its
 * `UPDATE … RETURNING`) that is not committed yet is waited for and read as `sending`, and a claim after this read
 * leaves the row this transaction holds (`SKIP LOCKED`) and finds it on its next pass as this one left it (suppressed:
 * the claim takes only `pending` rows). Without the lock a mail claimed after the read went out while the projection
 * took it for one that would not. SQLite runs every transaction alone.
 * Deadlocks: a consumer's batch locks order after order as its events come, so no order of locking holds for both
 * sides. Neither of the sender's transactions waits for a row lock while it holds another order's row, so neither
 * closes a cycle: a claim decides only the rows it locked without waiting (`lockedForClaim`), and the record of
 * verdicts (`sending` rows this read may hold) settles the rows it locked without waiting in one commit and each row
 * a batch held in a transaction of its own after it (`recordVerdicts`). Within one order there is none: the running
 * sender holds at most one outbox row of an order (an order's next row waits until the one before it is settled).
 */
export const lockedMails = (
  sql: Sql["Service"],
  kinds: ReadonlyArray<string>,
  subjects: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<MailState>, StoreError> =>
  sql.query<MailState>(
    `SELECT n.notification_id, n.parcel_id, o.status FROM hub_notifications n
     JOIN hub_outbox o ON o.notification_id = n.notification_id
     WHERE n.kind IN (${kinds.map(() => "?").join(", ")}) AND n.subject_id IN (${subjects.map(() => "?").join(", ")})
     ORDER BY o.notification_id, o.channel${sql.dialect === "postgres" ? " FOR UPDATE OF o" : ""}`,
    [...kinds, ...subjects]
  )

const wentOut = (mails: ReadonlyArray<MailState>) =>
  mails.some((mail) => mail.status === "sending" || mail.status === "sent")

/** Whether a mail of `kinds` about correction `correction` of `orderId` went to the customer (or is going now). */
const mailWent = (sql: Sql["Service"], orderId: string, correction: number, kinds: ReadonlyArray<string>) =>
  lockedMails(sql, kinds, [correctionSubject(orderId, correction)]).pipe(Effect.map(wentOut))

/**
 * Which mail tells the customer of the kind `kind` about parcel `parcelId` that correction `correction` of `orderId`
 * did not reach (or, for `address-correction-applied`, that it did after all): the correction's own (its
 * `correctionSubject`) while it tells of no other parcel: none recorded, one of this parcel, or a mail that the
 * correction is not used that has not gone yet and names no parcel (the stations' answers decided it, or a parcel's
 * leaving before mails named their parcel): it says what the parcel's leaving decided (`keepCause`), and is now this
 * parcel's. Else the parcel's own (`parcelCorrectionSubject`): a parcel that left after the correction's mail told of
 * another is told of too, once per parcel and kind (the notifications are unique per kind and subject).
 */
const mailOfParcel = (
  sql: Sql["Service"],
  mail: { readonly orderId: string; readonly correction: number; readonly parcelId: string; readonly kind: string }
) =>
  Effect.gen(function* () {
    const subject = correctionSubject(mail.orderId, mail.correction)
    const rows = yield* lockedMails(sql, [mail.kind], [subject])
    const told = rows[0]?.parcel_id
    const parcel = (ownMail: boolean): CorrectionParcel => ({ parcelId: mail.parcelId, ownMail })
    if (rows.length === 0 || told === mail.parcelId) return parcel(false)
    if (told === null && mail.kind === "address-correction-ignored" && rows.some((row) => row.status === "pending")) {
      yield* sql.execute(
        "UPDATE hub_notifications SET parcel_id = ? WHERE kind = ? AND subject_id = ? AND parcel_id IS NULL",
        [mail.parcelId, mail.kind, subject]
      )
      return parcel(false)
    }
    return parcel(true)
  })

/**
 * Keeps `cause` with the correction for its mail (the sender reads it when it sends): the first one decided, unless a
 * later one says more surely where the parcel goes: that it had left before the correction came over anything, that
 * a parcel left without it over the source's address. Returns whether the customer is to hear of the parcel once
 * more: the mail that it goes to the source's address went already, so the new cause reaches them only in a mail of
 * its own (`address-correction-parcel-left`); a mail still to go says the new cause itself.
 */
const keepCause = (sql: Sql["Service"], decided: DecidedCause, nowMs: number) =>
  Effect.gen(function* () {
    const kept = yield* sql.query<{ ignored_cause: string | null }>(
      "SELECT ignored_cause FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?",
      [decided.orderId, decided.correction]
    )
    const before = kept[0]?.ignored_cause
    const toldAgain =
      parcelGone(decided.cause) &&
      (before === "source-changed" || before === "source-changed-after") &&
      (yield* mailWent(sql, decided.orderId, decided.correction, ["address-correction-ignored"]))
    yield* sql.execute(
      `UPDATE hub_address_corrections SET ignored_cause = ?, ignored_station_id = ?, ignored_at_ms = ?
       WHERE order_id = ? AND hold_round = ? AND (ignored_cause IS NULL OR ? = 'handed-to-carrier'
         OR (? = 'parcel-left' AND ignored_cause IN ('source-changed', 'source-changed-after')))`,
      [
        decided.cause,
        decided.station?.stationId ?? null,
        nowMs,
        decided.orderId,
        decided.correction,
        decided.cause,
        decided.cause
      ]
    )
    return toldAgain
  })

/** The order's latest correction, the only one the customer is told of (an earlier one they replaced themselves). */
const latestCorrection = (sql: Sql["Service"], orderId: string) =>
  sql
    .query<{ hold_round: number; corrected_at_ms: number }>(
      `SELECT hold_round, corrected_at_ms FROM hub_address_corrections
       WHERE order_id = ? ORDER BY hold_round DESC LIMIT 1`,
      [orderId]
    )
    .pipe(
      Effect.map((rows) =>
        rows[0] === undefined
          ? undefined
          : { correction: Number(rows[0].hold_round), correctedAtMs: Number(rows[0].corrected_at_ms) }
      )
    )

/**
 * What the customer is told of their correction now, and whether in a mail of its own after the first (`keepCause`);
 * for a parcel's leaving, which parcel, and whether in its own mail (`mailOfParcel`).
 */
export interface CorrectionTold {
  readonly correction: number
  readonly cause: IgnoredCorrectionCause
  readonly toldAgain: boolean
  readonly parcel?: CorrectionParcel
}

/** The mail kind a correction not used is told in: the first, or, `toldAgain`, the one after the source's address. */
export const notUsedKind = (toldAgain: boolean) =>
  toldAgain ? ("address-correction-parcel-left" as const) : ("address-correction-ignored" as const)

/** `station`'s answer to correction `correction` of `orderId`, none while it has not answered. */
const answerOf = (sql: Sql["Service"], orderId: string, correction: number, station: StationRef) =>
  sql
    .query<{ outcome: StationAnswer; cause: string | null }>(
      `SELECT outcome, cause FROM hub_correction_answers
       WHERE order_id = ? AND hold_round = ? AND site_id = ? AND station_id = ?`,
      [orderId, correction, station.siteId, station.stationId]
    )
    .pipe(
      Effect.map((rows): AnswerRow | undefined =>
        rows[0] === undefined
          ? undefined
          : { station: stationKey(station), outcome: rows[0].outcome, cause: rows[0].cause }
      )
    )

/**
 * Decides what parcel `parcelId` that left tells the customer of the order's latest correction, by the answer of
 * `station`, the one the hub takes for its packing station (`leftParcelOutcome`), and keeps it on the parcel (hub
 * migration 84: what its leaving told, for a packing heard later) and, when there is something to tell, with the
 * correction (`keepCause`). `cause` is what it tells; `told` the mail to record, none when the parcel's leaving told
 * the same already (a replayed or redelivered event, a packing that says what the handover said). A parcel that left
 * before the hub kept what its leaving told (hub migration 85 marks it with correction 0) is told of only in the
 * correction's own mail, as it was then: that mail may have told of it.
 */
const decideLeftParcel = (
  sql: Sql["Service"],
  latest: { readonly correction: number },
  left: { readonly orderId: string; readonly parcelId: string; readonly station: StationRef },
  nowMs: number
) =>
  Effect.gen(function* () {
    const answer = yield* answerOf(sql, left.orderId, latest.correction, left.station)
    const cause = leftParcelOutcome(answer)
    const before = yield* sql.query<{ left_correction: number | null; left_cause: string | null }>(
      "SELECT left_correction, left_cause FROM hub_parcels WHERE parcel_id = ?",
      [left.parcelId]
    )
    yield* sql.execute("UPDATE hub_parcels SET left_correction = ?, left_cause = ? WHERE parcel_id = ?", [
      latest.correction,
      cause ?? null,
      left.parcelId
    ])
    if (cause === undefined) return { cause, told: undefined }
    const toldAgain = yield* keepCause(
      sql,
      { orderId: left.orderId, correction: latest.correction, cause, station: left.station },
      nowMs
    )
    const leftBefore = before[0]?.left_correction
    if (leftBefore != null && Number(leftBefore) === latest.correction && before[0]?.left_cause === cause) {
      return { cause, told: undefined }
    }
    const parcel =
      leftBefore != null && Number(leftBefore) === 0
        ? { parcelId: left.parcelId, ownMail: false }
        : yield* mailOfParcel(sql, { ...left, correction: latest.correction, kind: notUsedKind(toldAgain) })
    return { cause, told: { correction: latest.correction, cause, toldAgain, parcel } satisfies CorrectionTold }
  })

/**
 * Parcel `parcelId` of `orderId` left with the carrier: whether the customer is to be told now that their latest
 * correction is not used, and why (`leftParcelOutcome`, by the answer of the parcel's station: the packing one, or the
 * handing one until the hub hears of the packing). Kept with the correction as `ignoredNow` keeps it. A parcel whose
 * station the hub does not know tells nothing here.
 */
export const parcelLeftNow = (
  sql: Sql["Service"],
  left: { readonly orderId: string; readonly parcelId: string },
  nowMs: number
) =>
  Effect.gen(function* () {
    const latest = yield* latestCorrection(sql, left.orderId)
    if (latest === undefined) return undefined
    const parcels = yield* sql.query<{ site_id: string | null; station_id: string | null }>(
      "SELECT site_id, station_id FROM hub_parcels WHERE parcel_id = ? AND order_id = ?",
      [left.parcelId, left.orderId]
    )
    const parcel = parcels[0]
    if (parcel?.site_id == null || parcel.station_id == null) return undefined
    const station: StationRef = { siteId: parcel.site_id, stationId: parcel.station_id }
    return (yield* decideLeftParcel(sql, latest, { ...left, station }, nowMs)).told
  })

/** A parcel as the hub had it before a packing record, for `packedAfterLeft`. */
export interface ParcelBeforePacking {
  readonly handedAtMs: number | null
  readonly station: StationRef | undefined
  readonly leftCorrection: number | null
  readonly leftCause: string | null
}

/** The parcel `parcelId` of `orderId` as the hub has it now, none for one it has not heard of. */
export const parcelBeforePacking = (
  sql: Sql["Service"],
  parcel: { readonly orderId: string; readonly parcelId: string }
) =>
  sql
    .query<{
      handed_at_ms: number | null
      site_id: string | null
      station_id: string | null
      left_correction: number | null
      left_cause: string | null
    }>(
      `SELECT handed_at_ms, site_id, station_id, left_correction, left_cause FROM hub_parcels
       WHERE parcel_id = ? AND order_id = ?`,
      [parcel.parcelId, parcel.orderId]
    )
    .pipe(
      Effect.map((rows): ParcelBeforePacking | undefined => {
        const row = rows[0]
        if (row === undefined) return undefined
        return {
          handedAtMs: row.handed_at_ms === null ? null : Number(row.handed_at_ms),
          station:
            row.site_id === null || row.station_id === null
              ? undefined
              : { siteId: row.site_id, stationId: row.station_id },
          leftCorrection: row.left_correction === null ? null : Number(row.left_correction),
          leftCause: row.left_cause
        }
      })
    )

/**
 * What a packing record tells that the hub hears after the parcel left, handed over by another station (or by one it
 * could not name): the packing station's answer is the address on the parcel (`leftParcelOutcome`), and what the
 * handover told the customer by the handing station's answer is decided again by it, once:
 * - `told`: the packing station had not applied the correction: decided as a handover from there is (a mail that
 *   went already is followed by one of its own only when it said the source's address, `keepCause`);
 * - `taken-back`: the handover told that the correction is not used, the packing station had applied it, and nothing
 *   else tells so (another parcel that left without it, the stations' answers by `ignoredOutcome`): the correction
 *   is kept as not told. `mails` are the mails that told of this parcel (the correction's own, of this parcel or of
 *   none, or the parcel's own), read by `lockedMails`; `mailWent` says whether the customer read one already: then
 *   one mail says it was wrong (`address-correction-applied`, in the mail `parcel` names); else the mail still to go
 *   does not go, and no mail goes at all. While another parcel left without the correction, it stays not used and
 *   only this parcel's own mail (`parcelCorrectionSubject`) is taken back so, the correction's own mail standing.
 * Nothing when the packing station's answer tells what the handover told, or the parcel had not left.
 */
export const packedAfterLeft = (
  sql: Sql["Service"],
  packed: {
    readonly orderId: string
    readonly parcelId: string
    readonly station: StationRef
    readonly before: ParcelBeforePacking | undefined
    /** How long the hub waits for every station's answer to a correction (`hub.notify.correctionAnswerWait`). */
    readonly waitMs: number
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    const { before, station } = packed
    if (before === undefined || before.handedAtMs === null) return undefined
    if (before.station !== undefined && stationKey(before.station) === stationKey(station)) return undefined
    const latest = yield* latestCorrection(sql, packed.orderId)
    if (latest === undefined) return undefined
    const toldByHandover = before.leftCorrection === latest.correction ? before.leftCause : null
    const decided = yield* decideLeftParcel(sql, latest, packed, nowMs)
    if (decided.cause !== undefined) {
      return decided.told === undefined ? undefined : { type: "told" as const, ...decided.told }
    }
    if (toldByHandover === null) return undefined
    const others = yield* sql.query(
      `SELECT 1 FROM hub_parcels WHERE order_id = ? AND parcel_id <> ? AND handed_at_ms IS NOT NULL
         AND left_correction = ? AND left_cause IS NOT NULL LIMIT 1`,
      [packed.orderId, packed.parcelId, latest.correction]
    )
    if (others.length > 0) {
      // The correction stays not used (that parcel left without it), and the correction's own mail, which may tell of
      // that one, stands; only this parcel's own mail told of this parcel alone, and it was wrong.
      const ownMails = yield* lockedMails(
        sql,
        ["address-correction-ignored", "address-correction-parcel-left"],
        [parcelCorrectionSubject(packed.orderId, latest.correction, packed.parcelId)]
      )
      if (ownMails.length === 0) return undefined
      return takenBack(latest.correction, ownMails, { parcelId: packed.parcelId, ownMail: true })
    }
    const { answers, stations, parcelLeft } = yield* answersOf(sql, packed.orderId, latest.correction)
    const waitOver = latest.correctedAtMs + packed.waitMs <= nowMs
    if (ignoredOutcome(answers, stations, { waitOver, parcelLeft }) !== undefined) return undefined
    yield* sql.execute(
      `UPDATE hub_address_corrections SET ignored_cause = NULL, ignored_station_id = NULL, ignored_at_ms = NULL
       WHERE order_id = ? AND hold_round = ?`,
      [packed.orderId, latest.correction]
    )
    const mails = (yield* lockedMails(
      sql,
      ["address-correction-ignored", "address-correction-parcel-left"],
      [
        correctionSubject(packed.orderId, latest.correction),
        parcelCorrectionSubject(packed.orderId, latest.correction, packed.parcelId)
      ]
    )).filter((mail) => mail.parcel_id === null || mail.parcel_id === packed.parcelId)
    const parcel = wentOut(mails)
      ? yield* mailOfParcel(sql, { ...packed, correction: latest.correction, kind: "address-correction-applied" })
      : undefined
    return takenBack(latest.correction, mails, parcel)
  })

/**
 * `packedAfterLeft`'s verdict that `mails` told wrongly of the parcel: the one that says so goes in the mail `parcel`
 * names, if one of them went.
 */
const takenBack = (correction: number, mails: ReadonlyArray<MailState>, parcel: CorrectionParcel | undefined) => {
  const went = wentOut(mails)
  return {
    type: "taken-back" as const,
    correction,
    mails: [...new Set(mails.map((mail) => mail.notification_id))],
    mailWent: went,
    parcel: went ? parcel : undefined
  }
}

/**
 * Whether a station's number of a correction can name one the hub sent: holds are counted in INTEGER columns (32 bits
 * on PostgreSQL, where a larger parameter fails the statement, and with it the station's stream for good). A broken or
 * hostile station's larger number names none.
 */
export const mayBeHoldRound = (correction: number) =>
  Number.isSafeInteger(correction) && correction >= 1 && correction <= 2_147_483_647

const stationKey = (station: StationRef) => `${station.siteId}/${station.stationId}`

/**
 * Records a station's latest answer to a correction: a later word of the same station takes its place, but for
 * `replaced` from `not-newer`, which a station says of a correction it was sent again (it holds that one or a newer
 * one): what it answered to it the first time stands.
 */
export const recordAnswer = (
  sql: Sql["Service"],
  answer: {
    readonly orderId: string
    readonly correction: number
    readonly station: StationRef
    readonly outcome: StationAnswer
    readonly cause: string | null
    /** For `applied`: the order's version at the station when it applied the correction. */
    readonly orderVersion?: number
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    yield* sql.execute(
      `INSERT INTO hub_correction_answers (order_id, hold_round, site_id, station_id, outcome, cause, order_version,
         answered_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id, hold_round, site_id, station_id) DO ${
         answer.outcome === "replaced"
           ? "NOTHING"
           : `UPDATE SET outcome = excluded.outcome, cause = excluded.cause, order_version = excluded.order_version,
                answered_at_ms = excluded.answered_at_ms`
       }`,
      [
        answer.orderId,
        answer.correction,
        answer.station.siteId,
        answer.station.stationId,
        answer.outcome,
        answer.cause,
        answer.orderVersion ?? null,
        nowMs
      ]
    )
    // A newer correction applied there replaces the customer's earlier ones at that station.
    if (answer.outcome === "applied") {
      yield* sql.execute(
        `UPDATE hub_correction_answers SET outcome = 'replaced', answered_at_ms = ?
         WHERE order_id = ? AND site_id = ? AND station_id = ? AND hold_round < ? AND outcome = 'applied'`,
        [nowMs, answer.orderId, answer.station.siteId, answer.station.stationId, answer.correction]
      )
    }
  })

/**
 * The order at `station` now has `shipTo` at `orderVersion`, from its source (a version of the order, or the source's
 * own correction): a customer's correction applied there at an older version that set another address (another
 * place by `sameDeliveryAddress`: a shop echoing the pushed address in its own case and spacing sets none) is overridden
 * (the station's words come in its order, so a version the station had when it applied the correction, told again,
 * overrides nothing), unless a parcel of the order that station packed has left with the carrier (it travels to the
 * address it was labelled for there, which the source's change does not reach; another station's parcel carries that
 * station's address). Returns the corrections overridden.
 */
export const overriddenBySource = (
  sql: Sql["Service"],
  change: {
    readonly orderId: string
    readonly orderVersion: number
    readonly station: StationRef
    readonly shipTo: Address
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    const { orderId, station, shipTo } = change
    const applied = yield* sql.query<{ hold_round: number; ship_to: string }>(
      `SELECT a.hold_round, c.ship_to FROM hub_correction_answers a
       JOIN hub_address_corrections c ON c.order_id = a.order_id AND c.hold_round = a.hold_round
       WHERE a.order_id = ? AND a.site_id = ? AND a.station_id = ? AND a.outcome = 'applied'
         AND a.order_version < ?`,
      [orderId, station.siteId, station.stationId, change.orderVersion]
    )
    const overridden = applied.filter((row) => !sameDeliveryAddress(JSON.parse(row.ship_to) as Address, shipTo))
    if (overridden.length === 0) return []
    // A parcel of the order this station packed that left: one recorded before the hub kept a parcel's station
    // (hub migration 77) may be that one.
    const left = yield* sql.query(
      `SELECT 1 FROM hub_parcels WHERE order_id = ? AND handed_at_ms IS NOT NULL
         AND (station_id IS NULL OR (site_id = ? AND station_id = ?)) LIMIT 1`,
      [orderId, station.siteId, station.stationId]
    )
    if (left.length > 0) return []
    for (const row of overridden) {
      yield* recordAnswer(
        sql,
        { orderId, correction: Number(row.hold_round), station, outcome: "overridden", cause: null },
        nowMs
      )
    }
    return overridden.map((row) => Number(row.hold_round))
  })

/**
 * Whether the customer is to be told now that correction `correction` is not used, by every station's answer so far
 * (`ignoredOutcome`), `waitMs` being how long the hub waits for them; only the order's latest correction is told of
 * (an earlier one the customer replaced themselves). The cause is kept with the correction for the mail: a later
 * answer that the parcel had left takes the place of the source's address while the mail has not gone (the sender
 * reads it when it sends), and is told in a mail of its own once it has (`keepCause`). `station` is the one whose
 * word decided, none for the timer pass.
 */
export const ignoredNow = (
  sql: Sql["Service"],
  decision: {
    readonly orderId: string
    readonly correction: number
    readonly station: StationRef | undefined
    readonly waitMs: number
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    const { orderId, correction, station } = decision
    const latest = yield* latestCorrection(sql, orderId)
    if (latest === undefined || latest.correction !== correction) return undefined
    const { answers, stations, parcelLeft } = yield* answersOf(sql, orderId, correction)
    const context = { waitOver: latest.correctedAtMs + decision.waitMs <= nowMs, parcelLeft }
    const cause = ignoredOutcome(answers, stations, context)
    if (cause === undefined) {
      // The mail would say the parcel goes to the source's address, but a parcel of the order the hub cannot place
      // left, labelled for either: nothing is claimed, and the caller says so in the log.
      const withheld =
        context.parcelLeft && ignoredOutcome(answers, stations, { ...context, parcelLeft: false }) !== undefined
      return withheld ? ("withheld-parcel-left" as const) : undefined
    }
    const toldAgain = yield* keepCause(sql, { orderId, correction, cause, station }, nowMs)
    return { correction, cause, toldAgain } satisfies CorrectionTold
  })

/** The stations' answers to a correction and the stations that have the order, each `<site>/<station>`. */
const answersOf = (sql: Sql["Service"], orderId: string, correction: number) =>
  Effect.gen(function* () {
    const answers = yield* sql.query<{
      site_id: string
      station_id: string
      outcome: StationAnswer
      cause: string | null
    }>("SELECT site_id, station_id, outcome, cause FROM hub_correction_answers WHERE order_id = ? AND hold_round = ?", [
      orderId,
      correction
    ])
    const stations = yield* sql.query<{ site_id: string; station_id: string }>(
      "SELECT site_id, station_id FROM hub_order_stations WHERE order_id = ?",
      [orderId]
    )
    const left = yield* sql.query(
      "SELECT 1 FROM hub_parcels WHERE order_id = ? AND handed_at_ms IS NOT NULL AND station_id IS NULL LIMIT 1",
      [orderId]
    )
    return {
      answers: answers.map(
        (row): AnswerRow => ({
          station: stationKey({ siteId: row.site_id, stationId: row.station_id }),
          outcome: row.outcome,
          cause: row.cause
        })
      ),
      stations: stations.map((row) => stationKey({ siteId: row.site_id, stationId: row.station_id })),
      parcelLeft: left.length > 0
    }
  })

/**
 * Whether a mail still to go, that correction `correction` is not used because of the source's own address, would now
 * claim what the hub does not know: a parcel of the order the hub cannot place left since it was decided, while not
 * every station said it follows the source's address (it may carry the customer's). A parcel whose station the hub
 * knows changed the cause when it left (`parcelLeftNow`).
 */
export const sourceAddressClaimUnsure = (sql: Sql["Service"], orderId: string, correction: number) =>
  Effect.gen(function* () {
    const rows = yield* sql.query<{ ignored_cause: string | null }>(
      "SELECT ignored_cause FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?",
      [orderId, correction]
    )
    const cause = rows[0]?.ignored_cause
    if (cause !== "source-changed" && cause !== "source-changed-after") return false
    const known = yield* answersOf(sql, orderId, correction)
    return known.parcelLeft && !saidSourceAddressEverywhere(known.answers, known.stations)
  })

/**
 * The corrections whose wait for the stations' answers is over (made `waitMs` or longer before `nowMs`) and that the
 * timer pass has not decided yet (hub migration 78's partial index; a shop connector's too, since its stations answer
 * it as the order's version), oldest first, at most `limit`.
 */
export const correctionsWaitOver = (sql: Sql["Service"], waitMs: number, nowMs: number, limit: number) =>
  sql
    .query<{ order_id: string; hold_round: number }>(
      `SELECT order_id, hold_round FROM hub_address_corrections
       WHERE answer_wait_done_at_ms IS NULL AND corrected_at_ms <= ?
       ORDER BY corrected_at_ms LIMIT ?`,
      [nowMs - waitMs, limit]
    )
    .pipe(Effect.map((rows) => rows.map((row) => ({ orderId: row.order_id, correction: Number(row.hold_round) }))))

/** The timer pass has decided correction `correction` of `orderId`: it is not read again. */
export const answerWaitDone = (sql: Sql["Service"], orderId: string, correction: number, nowMs: number) =>
  sql.execute("UPDATE hub_address_corrections SET answer_wait_done_at_ms = ? WHERE order_id = ? AND hold_round = ?", [
    nowMs,
    orderId,
    correction
  ])
