import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import type { EventLog } from "../events/EventLog.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import type { Inbox, InboxContext } from "../sync/Inbox.ts"
import { StationClock } from "../time/Clock.ts"
import { RefundRuleSet } from "./RefundRules.ts"
import { ReturnsService } from "./ReturnsService.ts"
import { registerRulesInbound } from "./RulesInbound.ts"

const sampleRules = Schema.decodeUnknownSync(RefundRuleSet)(fixture("refund-rules.json"))

/** One start of the station over `filename`: the rules it configures are the sample set, as every start's are. */
const start = <A, E>(filename: string, body: Effect.Effect<A, E, ReturnsService | Sql | EventLog>) =>
  Effect.runPromise(
    body.pipe(
      Effect.provide(
        ReturnsService.layer({ rules: sampleRules, returnUrls: [] }).pipe(
          Layer.provideMerge(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer))),
          Layer.provideMerge(seededStation({ filename, clock: StationClock.manual(1_795_000_000_000).layer }))
        )
      )
    )
  )

/** The shop's `rules.update` at `version`, applied in a transaction as the inbox applies it. */
const deliverRules = (version: number, rules: unknown) =>
  Effect.gen(function* () {
    const returns = yield* ReturnsService
    const sql = yield* Sql
    let handle: ((payload: { rules: unknown }, context: InboxContext) => Effect.Effect<void, unknown>) | undefined
    const inbox = {
      register: (_type: string, _schema: unknown, handler: typeof handle) =>
        Effect.sync(() => {
          handle = handler
        })
    } as unknown as Inbox["Service"]
    yield* registerRulesInbound(inbox, returns.installRules)
    const context: InboxContext = {
      msgId: `rules-${version}`,
      seq: version,
      stream: "station",
      type: "rules.update",
      version,
      sentAtMs: undefined,
      receivedAtMs: 0
    }
    return yield* Effect.exit(sql.transaction(handle!({ rules }, context)))
  })

describe("rules.update from the shop", () => {
  it("keeps the shop's rule set in force after a restart, not the sample set the station starts with", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-rules-")), "station.db")
    const shopRules = { ...sampleRules, returnWindowDays: 14 }
    const installed = await start(
      filename,
      Effect.gen(function* () {
        const exit = yield* deliverRules(3, shopRules)
        return { ok: exit._tag === "Success", window: (yield* (yield* ReturnsService).rules).returnWindowDays }
      })
    )
    expect(installed).toEqual({ ok: true, window: 14 })
    const afterRestart = await start(
      filename,
      Effect.gen(function* () {
        return (yield* (yield* ReturnsService).rules).returnWindowDays
      })
    )
    expect(afterRestart).toBe(14)
  })

  it("refuses a set beyond the bounds, naming the rule and the field, and keeps the rules in force", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-rules-")), "station.db")
    const beyondBounds = {
      ...sampleRules,
      rules: sampleRules.rules.map((rule) =>
        rule.id === "expensive-electronics-used"
          ? { ...rule, conditions: { ...rule.conditions, itemValue: { min: 1e308 } } }
          : rule
      )
    }
    const result = await start(
      filename,
      Effect.gen(function* () {
        const exit = yield* deliverRules(3, beyondBounds)
        const active = yield* (yield* ReturnsService).rules
        return { refusal: Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : "installed", active }
      })
    )
    expect(result.refusal).toContain('rule "expensive-electronics-used" (rules[5]), conditions.itemValue.min')
    expect(result.active).toBe(sampleRules)
  })
})
