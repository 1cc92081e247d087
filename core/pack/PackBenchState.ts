/** Saving and restoring the pack session in progress, so a restarted station continues it. */
import { Effect, Ref } from "effect"
import { capRawScan } from "../bounds/Bounds.ts"
import { apiCarrierOf, Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { PackException } from "./PackEvents.ts"
import { makeRefusal, type Refusal } from "./PackRefusal.ts"
import { idleSession, type PackOutcome, type PackSession } from "./PackSession.ts"
import { type AddressCheckView, type ParcelView, type PrintJobRef, viewOf } from "./PackView.ts"
import { type ParcelRow, parcelViewOf } from "./ParcelRow.ts"
import { labelRefusalOf } from "./PendingLabels.ts"

/** The pack session in progress as `pack_session` keeps it. */
interface StoredSession {
  readonly session: PackSession
  readonly addressCheck: AddressCheckView | null
}

/**
 * The session the station had when it stopped, if its order may still be packed: an order the shop cancelled,
 * changed or put on hold meanwhile is not continued, and the refusal says why.
 */
const restoreSession = (sql: Sql["Service"]) =>
  Effect.gen(function* () {
    const idle = { session: idleSession, addressCheck: null, interrupted: null as Refusal | null }
    const rows = yield* sql.query<{ order_id: string; data: string }>("SELECT order_id, data FROM pack_session")
    const row = rows[0]
    if (row === undefined) return idle
    const stored = JSON.parse(row.data) as StoredSession
    const orders = yield* sql.query<{ status: string; version: number }>(
      "SELECT status, version FROM orders WHERE order_id = ?",
      [row.order_id]
    )
    const order = orders[0]
    const interrupted: Refusal | null =
      order === undefined
        ? makeRefusal("order-unknown", "gone", { orderId: row.order_id })
        : order.status === "cancelled"
          ? makeRefusal("order-cancelled", "whileOff", { orderId: row.order_id })
          : order.status !== "open"
            ? makeRefusal("order-changed", "status", { orderId: row.order_id, orderStatus: order.status })
            : Number(order.version) !== stored.session.order?.version
              ? makeRefusal("order-changed", "edited", { orderId: row.order_id })
              : null
    if (interrupted === null) return { session: stored.session, addressCheck: stored.addressCheck, interrupted }
    yield* sql.execute("DELETE FROM pack_session")
    return { ...idle, interrupted }
  })

/**
 * The order a refusal is about: the one it names (a scanned order that is cancelled, held or unknown), else the order
 * open on the bench. A bench that packed its last parcel still holds that order, which a refusal of the next scan
 * must not be filed under.
 */
const refusedOrderId = (refusal: Refusal, session: PackSession): string | undefined => {
  const named = refusal.params.orderId
  if (typeof named === "string") return named
  return session.step === "idle" || session.step === "packed" ? undefined : session.order?.orderId
}

/**
 * What the bench holds between inputs: the session in memory (written through to `pack_session` at every accepted
 * step, so a restart continues it), the address check of the open order, the last packed parcel with its print
 * jobs, and why a restored session could not continue. Builds the view the Pack screen shows from it, and records
 * a refusal as a `pack.exception`.
 */
export const makePackBenchState = Effect.gen(function* () {
  const sql = yield* Sql
  const isApiCarrier = apiCarrierOf(yield* Carriers)
  const log = yield* EventLog
  const clock = yield* StationClock

  const restored = yield* restoreSession(sql)
  const current = yield* Ref.make<PackSession>(restored.session)
  const addressCheck = yield* Ref.make<AddressCheckView | null>(restored.addressCheck)
  // Why a session the station had before a restart could not continue; shown until the next bench input.
  const notice = yield* Ref.make<Refusal | null>(restored.interrupted)
  const lastParcel = yield* Ref.make<{ parcel: ParcelView; jobs: ReadonlyArray<PrintJobRef> } | null>(null)

  /**
   * A parcel waiting for its label changes without a bench input: the label worker commits it, or learns that it will
   * not come (`labelRefusalOf`), or holds it as its carrier is no longer set up for the web service a request for it
   * may have reached (`PendingLabels`), which the packer is told.
   */
  const freshParcel = (parcel: ParcelView) =>
    parcel.status !== "label-pending"
      ? Effect.succeed(parcel)
      : sql
          .query<
            ParcelRow & {
              label_packed: string | null
              label_refused: string | null
              label_reached: number | null
            }
          >(
            `SELECT p.*, l.packed AS label_packed, l.refused AS label_refused,
               l.may_have_reached_carrier AS label_reached
             FROM parcels p LEFT JOIN pending_labels l ON l.parcel_id = p.parcel_id WHERE p.parcel_id = ?`,
            [parcel.parcelId]
          )
          .pipe(
            Effect.map((rows) => {
              const row = rows[0]
              if (row === undefined) return parcel
              const reached = Number(row.label_reached) === 1
              const refusal =
                row.label_packed !== null && row.label_refused === null && reached && !isApiCarrier(row.carrier)
                  ? makeRefusal("label-pending", "apiGone", {
                      carrier: row.carrier,
                      parcelId: row.parcel_id,
                      orderId: row.order_id
                    })
                  : row.label_packed === null || row.label_refused === null
                    ? undefined
                    : labelRefusalOf({
                        parcel_id: row.parcel_id,
                        carrier: row.carrier,
                        packed: row.label_packed,
                        refused: row.label_refused,
                        may_have_reached_carrier: Number(row.label_reached)
                      })
              return { ...parcelViewOf(row), ...(refusal === undefined ? {} : { labelRefusal: refusal }) }
            }),
            Effect.tapError((error) => Effect.logWarning("pack view shows the parcel as last read", error)),
            Effect.orElseSucceed(() => parcel)
          )

  /**
   * Writes the session in progress to the database before the bench moves on, so a restart continues it; a
   * session with nothing open leaves no row. `alongside` (the event of the scan that made this session) commits in
   * the same transaction, and memory moves on only after the commit.
   */
  const setSession = (session: PackSession, alongside: Effect.Effect<unknown, StoreError> = Effect.void) =>
    Effect.gen(function* () {
      const now = yield* clock.now
      yield* sql.transaction(
        Effect.gen(function* () {
          yield* alongside
          if (session.step === "idle" || session.step === "packed" || session.step === "labelled") {
            yield* sql.execute("DELETE FROM pack_session")
          } else {
            const stored: StoredSession = { session, addressCheck: yield* Ref.get(addressCheck) }
            yield* sql.execute(
              `INSERT INTO pack_session (bench, order_id, data, updated_at_ms) VALUES (1, ?, ?, ?)
               ON CONFLICT (bench) DO UPDATE SET order_id = excluded.order_id, data = excluded.data,
               updated_at_ms = excluded.updated_at_ms`,
              [session.order!.orderId, JSON.stringify(stored), now.wallMs]
            )
          }
        })
      )
      yield* Ref.set(current, session)
      yield* Ref.set(notice, null)
    })

  const view = (refusal: Refusal | null) =>
    Effect.gen(function* () {
      const packed = yield* Ref.get(lastParcel)
      return viewOf(yield* Ref.get(current), {
        addressCheck: yield* Ref.get(addressCheck),
        parcel: packed === null ? null : yield* freshParcel(packed.parcel),
        printJobs: packed?.jobs ?? [],
        refusal
      })
    })

  const recordRefusal = (refusal: Refusal, operator: Operator, at: Timestamp | undefined, raw?: string) =>
    Effect.gen(function* () {
      const orderId = refusedOrderId(refusal, yield* Ref.get(current))
      yield* log.append(
        PackException,
        {
          code: refusal.code,
          reason: refusal.reason,
          ...(raw === undefined ? {} : capRawScan(raw)),
          ...(orderId === undefined ? {} : { orderId }),
          ...(refusal.otherOrderId === undefined ? {} : { otherOrderId: refusal.otherOrderId })
        },
        { ...(at === undefined ? {} : { eventTime: at }), actor: actorOf(operator) }
      )
      return yield* view(refusal)
    })

  /**
   * Applies a pure step: the new session (with the event `alongside` it, if any) on success, an exception event and
   * the refusal otherwise.
   */
  const settle = (
    outcome: PackOutcome,
    operator: Operator,
    at: Timestamp | undefined,
    raw?: string,
    alongside?: Effect.Effect<unknown, StoreError>
  ) =>
    outcome.ok
      ? Effect.andThen(setSession(outcome.session, alongside), view(null))
      : recordRefusal(outcome.refusal, operator, at, raw)

  return { current, addressCheck, notice, lastParcel, setSession, view, recordRefusal, settle }
})

export type PackBenchState = Effect.Success<typeof makePackBenchState>
