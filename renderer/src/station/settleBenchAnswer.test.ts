import { describe, expect, it } from "vitest"
import { ApiCallError } from "../api/ApiCallError.ts"
import { describeRefusal, describeRefusalReason, type RefusalText } from "../i18n/describeRefusal.ts"
import { describeError, makeTranslator } from "../i18n/Translator.ts"
import {
  askBench,
  type BenchAnswer,
  type BenchState,
  type BenchStep,
  benchScanned,
  initialBench,
  settleBenchAnswer
} from "./settleBenchAnswer.ts"

/** A view as the bench answers it: a label for the state it shows. */
type View = { readonly shows: string }

/** An answer to `request` that shows `shows` and carries no refusal. */
const showing = (request: number, call: BenchAnswer<View>["call"], shows: string): BenchAnswer<View> => ({
  request,
  call,
  view: { shows },
  refusal: null
})

/** A bench that shows `shows`, with no request outstanding. */
const benchShowing = (shows: string): BenchState<View> =>
  settleBenchAnswer(askBench(initialBench<View>()).state, showing(1, "reload", shows)).state

/** Asks `count` requests in order; the bench and their numbers. */
const ask = (state: BenchState<View>, count: number) => {
  const requests: Array<number> = []
  for (let i = 0; i < count; i++) {
    const asked = askBench(state)
    state = asked.state
    requests.push(asked.request)
  }
  return { state, requests }
}

/** Settles the answers in the order given, the step after each. */
const settle = (state: BenchState<View>, answers: ReadonlyArray<BenchAnswer<View>>) => {
  const steps: Array<BenchStep<View>> = []
  for (const answer of answers) {
    const step = settleBenchAnswer(state, answer)
    steps.push(step)
    state = step.state
  }
  return { state, steps }
}

describe("settleBenchAnswer", () => {
  it("keeps the newer state when an older command's successful answer comes last", () => {
    const { state, requests } = ask(benchShowing("idle"), 2)
    const [grade, finish] = requests as [number, number]
    const { state: after, steps } = settle(state, [
      showing(finish, "command", "finished"),
      showing(grade, "command", "graded")
    ])
    expect(after.view).toEqual({ shows: "finished" })
    expect(steps.map((step) => step.tone)).toEqual([false, false])
  })

  it("reads the state again when a command's answer was superseded by a reload that may have read it before", () => {
    const { state, requests } = ask(benchShowing("ungraded"), 2)
    const [grade, pushed] = requests as [number, number]
    const { state: after, steps } = settle(state, [
      showing(pushed, "reload", "ungraded"),
      showing(grade, "command", "graded")
    ])
    expect(steps.map((step) => step.reread)).toEqual([false, true])
    expect(after.view).toEqual({ shows: "ungraded" })
    const again = askBench(after)
    const { state: reread } = settle(again.state, [showing(again.request, "reload", "graded")])
    expect(reread.view).toEqual({ shows: "graded" })
  })

  it("shows a current answer and reads nothing again", () => {
    const { state, requests } = ask(benchShowing("idle"), 1)
    const { state: after, steps } = settle(state, [showing(requests[0]!, "command", "packed")])
    expect(after.view).toEqual({ shows: "packed" })
    expect(steps[0]!.reread).toBe(false)
  })

  /** F9 at the returns desk: the station refuses a second refund for a unit. */
  const secondRefund = new ApiCallError("returns.decide", "already-refunded", "already refunded: no second refund")
  /** A pack command's answer that refuses the weight typed. */
  const weightRefused: RefusalText = {
    code: "weight-invalid",
    reason: "0 g is not a weight",
    variant: "reason",
    params: { grams: 0 }
  }
  const de = makeTranslator("de")
  const en = makeTranslator("en")

  /**
   * A command asked, then a reload (a push) asked while it ran, their answers in each order they can come in: the
   * bench after both, and the step the command's answer made.
   */
  const overtakenByReload = (shows: string, answer: (request: number) => BenchAnswer<View>) => {
    const { state, requests } = ask(benchShowing(shows), 2)
    const [command, pushed] = requests as [number, number]
    const answered = answer(command)
    const reloaded: BenchAnswer<View> = showing(pushed, "reload", shows)
    return [
      [answered, reloaded],
      [reloaded, answered]
    ].map((answers) => {
      const { state: after, steps } = settle(state, answers)
      return { after, command: steps[answers.indexOf(answered)]! }
    })
  }

  it("shows a refused F9 whose failure comes after a reload asked later, before or after that reload answers", () => {
    const orders = overtakenByReload("graded", (request) => ({ request, call: "command", failure: secondRefund }))
    for (const { after, command } of orders) {
      expect(after.error).toBe(secondRefund)
      expect(describeError(de, after.error)).toBe("Für diesen Artikel wurde schon erstattet – keine zweite Erstattung.")
      expect(describeError(en, after.error)).toBe("This item was already refunded – no second refund.")
      expect(command.tone).toBe(true)
      expect(after.view).toEqual({ shows: "graded" })
    }
  })

  it("shows a pack command's refusal that comes after a reload asked later, and reads the state again", () => {
    const orders = overtakenByReload("boxed", (request) => ({
      request,
      call: "command",
      view: { shows: "boxed" },
      refusal: weightRefused
    }))
    for (const { after, command } of orders) {
      expect(after.refusal).toEqual(weightRefused)
      expect(after.refusalFromScan).toBe(false)
      expect(describeRefusal(de, after.refusal!)).toBe("Ungültiges Gewicht")
      expect(describeRefusalReason(de, after.refusal!)).toBe("0\u00a0g ist kein gültiges Gewicht")
      expect(describeRefusal(en, after.refusal!)).toBe("Invalid weight")
      expect(describeRefusalReason(en, after.refusal!)).toBe("0\u00a0g is not a weight")
      expect(command).toMatchObject({ tone: true, reread: true })
    }
  })

  it("keeps a refused command's failure shown when a push reads the state again after it", () => {
    const { state, requests } = ask(benchShowing("graded"), 1)
    const refused = settle(state, [{ request: requests[0]!, call: "command", failure: secondRefund }]).state
    const pushed = askBench(refused)
    const { state: after } = settle(pushed.state, [showing(pushed.request, "reload", "graded")])
    expect(after.error).toBe(secondRefund)
  })

  it("shows the newest input's outcome: an older command's refusal that comes last does not replace it", () => {
    const { state, requests } = ask(benchShowing("boxed"), 2)
    const [weigh, undo] = requests as [number, number]
    const { state: after, steps } = settle(state, [
      showing(undo, "command", "unboxed"),
      { request: weigh, call: "command", view: { shows: "boxed" }, refusal: weightRefused }
    ])
    expect(after.refusal).toBeNull()
    expect(after.view).toEqual({ shows: "unboxed" })
    expect(steps[1]!.tone).toBe(true)
  })

  it("clears a refused command's failure once a later input answers, a scan or a command", () => {
    const { state, requests } = ask(benchShowing("graded"), 1)
    const refused = settle(state, [{ request: requests[0]!, call: "command", failure: secondRefund }]).state
    expect(benchScanned(refused, null).error).toBeUndefined()
    const next = askBench(refused)
    const { state: after } = settle(next.state, [showing(next.request, "command", "decided")])
    expect(after.error).toBeUndefined()
  })

  it("keeps a scan's outcome when a command asked before the scan is refused after it", () => {
    const { state, requests } = ask(benchShowing("boxed"), 1)
    // The scan's outcome is handled, then the state is read again for it.
    const scanned = askBench(benchScanned(state, null))
    const { state: after } = settle(scanned.state, [
      { request: requests[0]!, call: "command", view: { shows: "boxed" }, refusal: weightRefused }
    ])
    expect(after.refusal).toBeNull()
  })
})
