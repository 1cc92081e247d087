/** The station's append-only audit of privileged actions: recording them and reading them back. */
import { Context, Effect, Layer } from "effect"
import { cutText } from "../bounds/cutText.ts"
import { CurrentClient } from "../session/Client.ts"
import type { Operator, Role } from "../session/Operator.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { AuditEntry } from "./AuditApi.ts"

/**
 * What a detail may hold: enough to tell what was done (a parcel, a reason, a rule set's first lines), no more. Its
 * lines are kept: the audit card shows a rule set as it was written.
 */
export const MAX_AUDIT_DETAIL_CHARS = 1_000

export interface AuditRecord {
  /** Who acted; null when nobody was signed in at the client. */
  readonly operator: Operator | null
  /** The API call (`pack.void`) or the step (`session.enterPin`). */
  readonly action: string
  readonly outcome: "done" | "refused"
  readonly detail: string
}

/**
 * The station's audit of privileged actions (a manager's calls, manager sign-ins and wrong PINs), in the
 * append-only table `audit_log` (triggers refuse every UPDATE and DELETE). Each entry takes its client from the call
 * (`CurrentClient`) and its time from the station's clock. Features with manager-only calls mark them `privileged` in
 * their API slice and the dispatcher records them; `record` is there for steps that are not one call.
 */
export class AuditLog extends Context.Service<
  AuditLog,
  {
    readonly record: (entry: AuditRecord) => Effect.Effect<void, StoreError>
    readonly recent: (limit: number) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreError>
  }
>()("packbench/core/audit/AuditLog") {
  static readonly layer = Layer.effect(
    AuditLog,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      const record = Effect.fn("AuditLog.record")(function* (entry: AuditRecord) {
        const client = yield* CurrentClient
        const now = yield* clock.now
        yield* sql.execute(
          `INSERT INTO audit_log (at_ms, badge_id, name, role, client_id, client_address, action, outcome, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            now.wallMs,
            entry.operator?.badgeId ?? null,
            entry.operator?.name ?? null,
            entry.operator?.role ?? null,
            client.id,
            client.address ?? null,
            entry.action,
            entry.outcome,
            cutText(entry.detail, MAX_AUDIT_DETAIL_CHARS)
          ]
        )
      })
      const recent = (limit: number) =>
        Effect.map(
          sql.query<{
            id: number
            at_ms: number
            badge_id: string | null
            name: string | null
            role: Role | null
            client_id: string
            client_address: string | null
            action: string
            outcome: "done" | "refused"
            detail: string
          }>("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]),
          (rows) =>
            rows.map(
              (row): AuditEntry => ({
                id: Number(row.id),
                atMs: Number(row.at_ms),
                operator:
                  row.badge_id === null || row.name === null || row.role === null
                    ? null
                    : { badgeId: row.badge_id, name: row.name, role: row.role },
                clientId: row.client_id,
                clientAddress: row.client_address,
                action: row.action,
                outcome: row.outcome,
                detail: row.detail
              })
            )
        )
      return AuditLog.of({ record, recent })
    })
  )
}
