/** The returns desk as one service: intake, grading, refund decisions and the refund rules. */
import { Context, Effect, Layer, Ref } from "effect"
import type { ScanResult } from "../scan/ScanResult.ts"
import type { SessionError } from "../session/SessionError.ts"
import { Sql } from "../store/Sql.ts"
import { recordNoRefundCorrections } from "./NoRefundCorrections.ts"
import { makeRefundDecisions } from "./RefundDecisions.ts"
import type { Disposition, Grade, OutcomeKind, RefundRuleSet } from "./RefundRules.ts"
import type { WithAt } from "./ReturnRows.ts"
import { makeReturnsDesk } from "./ReturnsDesk.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { makeReturnsGrading } from "./ReturnsGrading.ts"
import { makeReturnsIntake } from "./ReturnsIntake.ts"
import type { ReturnsView, RulesPreview } from "./ReturnsView.ts"
import { installedRules, makeRulesManagement } from "./RulesManagement.ts"

export type { RmaData } from "./ReturnRows.ts"

export interface ReturnsConfig {
  readonly rules: RefundRuleSet
  /** Hosts of RMA return-label URLs this site's shop prints. */
  readonly rmaHosts?: ReadonlyArray<string>
  /** The brands' return page templates their inserts print as QR codes (`BrandTemplate.returnUrl`). */
  readonly returnUrls?: ReadonlyArray<string>
}

/**
 * The returns desk: takes parcels in (never refusing one at the door), grades each unit against what was shipped,
 * and decides refunds with the rule engine. Every state change and its event commit in one transaction; the
 * refunds table's unique (order, line, unit) is the last guard against paying a unit twice.
 */
export class ReturnsService extends Context.Service<
  ReturnsService,
  {
    readonly state: Effect.Effect<ReturnsView, ReturnsError | SessionError>
    /** How the desk reads a scan: a parcel or return code while nothing is open, an item while a return is. */
    readonly identify: (raw: string) => Effect.Effect<ScanResult, ReturnsError | SessionError>
    /** Applies a scan; one a caller already identified with `identify` (a device scan) is not identified again. */
    readonly scan: (
      input: { readonly raw: string; readonly identified?: ScanResult } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly grade: (
      input: {
        readonly itemRef: string
        readonly grade: Grade
        readonly opened?: boolean
        readonly notes?: string
      } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly setDisposition: (
      input: { readonly itemRef: string; readonly disposition: Disposition; readonly reason?: string } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly decide: (input: WithAt) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly override: (
      input: {
        readonly itemRef: string
        readonly outcome: OutcomeKind
        readonly amountCents?: number
        readonly reason: string
      } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly approve: (
      input: { readonly itemRef: string; readonly reason: string } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly finish: (input: WithAt) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    /** Cancels the open return a clerk opened by mistake, as a correction event (`return.cancelled`). */
    readonly cancel: (
      input: { readonly reason: string } & WithAt
    ) => Effect.Effect<ReturnsView, ReturnsError | SessionError>
    readonly previewRules: (raw: unknown) => Effect.Effect<RulesPreview, ReturnsError | SessionError>
    /** Activates a new rule file, keeping the current rules when it is malformed (the error says where). */
    readonly replaceRules: (raw: unknown) => Effect.Effect<RefundRuleSet, ReturnsError | SessionError>
    /** Installs a rule set the shop sent (no operator involved); a malformed set fails and the active one stays. */
    readonly installRules: (raw: unknown) => Effect.Effect<RefundRuleSet, ReturnsError>
    readonly rules: Effect.Effect<RefundRuleSet>
  }
>()("packbench/core/returns/ReturnsService") {
  static readonly layer = (config: ReturnsConfig) =>
    Layer.effect(
      ReturnsService,
      Effect.gen(function* () {
        // Before the desk takes anything in: the log catches up with what its rows say of decisions made before.
        yield* recordNoRefundCorrections().pipe(Effect.orDie)
        const desk = yield* makeReturnsDesk(yield* Ref.make(yield* installedRules(yield* Sql, config.rules)))
        const intake = makeReturnsIntake(desk, config)
        const grading = makeReturnsGrading(desk)
        const decisions = makeRefundDecisions(desk)
        const rules = makeRulesManagement(desk)
        return ReturnsService.of({ state: desk.state, ...intake, ...grading, ...decisions, ...rules })
      })
    )
}
