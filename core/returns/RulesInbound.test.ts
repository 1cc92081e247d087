import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, References, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { inboxMessage } from "../../fixtures/inboxMessage.ts"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import { legacyStationRows } from "../../fixtures/sqlite/LegacyStationRows.ts"
import { EventLog } from "../events/EventLog.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { Broker } from "../sync/Broker.ts"
import { Inbox, type InboxContext } from "../sync/Inbox.ts"
import { makeMemoryBus } from "../sync/MemoryBroker.ts"
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

const NOW_MS = 1_795_000_000_000

/**
 * `body` on a fresh station whose inbox takes the shop's rule sets as the station registers them, its clock at
 * `NOW_MS`; `afterSeed` writes what an older station stored before this one starts.
 */
const withInbox = <A>(
  body: Effect.Effect<A, unknown, ReturnsService | Sql | EventLog | Inbox>,
  afterSeed?: Effect.Effect<unknown, unknown, Sql>
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const station = seededStation({
        filename: join(mkdtempSync(join(tmpdir(), "pb-rules-")), "station.db"),
        clock: StationClock.manual(NOW_MS).layer,
        ...(afterSeed === undefined ? {} : { afterSeed })
      })
      const layer = Inbox.layer.pipe(
        Layer.provideMerge(Layer.effect(Broker, bus.client("station"))),
        Layer.provideMerge(
          ReturnsService.layer({ rules: sampleRules, returnUrls: [] }).pipe(
            Layer.provideMerge(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer))),
            Layer.provideMerge(station)
          )
        )
      )
      const context = yield* Layer.build(layer)
      return yield* Effect.gen(function* () {
        yield* registerRulesInbound(yield* Inbox, (yield* ReturnsService).installRules)
        return yield* body
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
  )

/** Message `seq` of the shop's stream: the rule set `sampleRules` with a return window of `windowDays`, at `version`. */
const rulesUpdate = (seq: number, version: number, windowDays: number) =>
  Effect.flatMap(Effect.service(Inbox), (inbox) =>
    inbox.receive(
      inboxMessage(seq, "rules.update", { rules: { ...sampleRules, returnWindowDays: windowDays } }, version)
    )
  )

const windowInForce = Effect.flatMap(Effect.service(ReturnsService), (returns) => returns.rules).pipe(
  Effect.map((rules) => rules.returnWindowDays)
)

const rulesUpdates = Effect.flatMap(Effect.service(EventLog), (log) => log.read(0, 100)).pipe(
  Effect.map((events) => events.filter((event) => event.type === "returns.rules-updated").map((event) => event.payload))
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

  it("refuses a rule set at a version no sender can have given, saying why, and installs the next genuine one", async () => {
    const forged = [1e15, Number.MAX_SAFE_INTEGER]
    const result = await withInbox(
      Effect.gen(function* () {
        const sql = yield* Sql
        const outcomes = [yield* rulesUpdate(1, forged[0]!, 14), yield* rulesUpdate(2, forged[1]!, 14)]
        const afterForged = yield* windowInForce
        outcomes.push(yield* rulesUpdate(3, 2, 21))
        const afterGenuine = yield* windowInForce
        // A shop that versions its rule sets by its change time in ms: the station's clock now is no later.
        outcomes.push(yield* rulesUpdate(4, NOW_MS, 28))
        const inboxRows = yield* sql.query<{ outcome: string; reason: string | null }>(
          "SELECT outcome, reason FROM sync_inbox ORDER BY seq"
        )
        const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        const installed = yield* sql.query<{ value: string }>(
          "SELECT value FROM station_meta WHERE key = 'rules_version'"
        )
        return {
          outcomes,
          afterForged,
          afterGenuine,
          afterChangeTime: yield* windowInForce,
          inboxRows,
          quarantined: quarantined.map((row) => row.reason),
          installed: installed.map((row) => row.value),
          updates: yield* rulesUpdates
        }
      })
    )
    expect(result.outcomes).toEqual(["failed", "failed", "applied", "applied"])
    const refusal = (version: number) =>
      `handler for rules.update failed: refund rule set: version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's 1795000000000 ms plus 86400000 ms`
    expect(result.inboxRows.slice(0, 2)).toEqual([
      { outcome: "failed", reason: refusal(forged[0]!) },
      { outcome: "failed", reason: refusal(forged[1]!) }
    ])
    expect(result.quarantined).toEqual([refusal(forged[0]!), refusal(forged[1]!)])
    expect(result).toMatchObject({
      afterForged: sampleRules.returnWindowDays,
      afterGenuine: 21,
      afterChangeTime: 28,
      installed: [String(NOW_MS)]
    })
    expect(result.updates).toEqual([
      { rulesVersion: 2, applied: true, reason: "installed" },
      { rulesVersion: NOW_MS, applied: true, reason: "installed" }
    ])
  })

  it("replaces a rule set installed at a version no sender can have given with the next genuine one", async () => {
    const result = await withInbox(
      Effect.gen(function* () {
        const before = yield* windowInForce
        const outcomes = [yield* rulesUpdate(1, 2, 21), yield* rulesUpdate(2, 1, 14)]
        return { before, outcomes, after: yield* windowInForce, updates: yield* rulesUpdates }
      }),
      // As a station installed a forged rules.update before it checked versions.
      Effect.flatMap(legacyStationRows, (legacy) => legacy.refundRules({ ...sampleRules, returnWindowDays: 7 }, 1e15))
    )
    expect(result).toMatchObject({ before: 7, outcomes: ["applied", "applied"], after: 21 })
    expect(result.updates).toEqual([
      { rulesVersion: 2, applied: true, reason: "installed" },
      // Genuine versions are compared again: an older one is stale.
      { rulesVersion: 1, applied: false, reason: "version 1 is not newer than the installed version 2" }
    ])
  })
})
