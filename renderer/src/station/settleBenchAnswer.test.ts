import { describe, expect, it } from "vitest"
import {
  askBench,
  type BenchAnswer,
  type BenchState,
  type BenchStep,
  initialBench,
  settleBenchAnswer
} from "./settleBenchAnswer.ts"

/** A view as the bench answers it: a label for the state it shows. */
type View = { readonly shows: string }

/** A bench that shows `shows`, with no request outstanding. */
const benchShowing = (shows: string): BenchState<View> =>
  settleBenchAnswer(askBench(initialBench<View>()).state, {
    request: 1,
    call: "reload",
    view: { shows },
    refusal: null
  }).state

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
      { request: finish, call: "command", view: { shows: "finished" }, refusal: null },
      { request: grade, call: "command", view: { shows: "graded" }, refusal: null }
    ])
    expect(after.view).toEqual({ shows: "finished" })
    expect(steps.map((step) => step.tone)).toEqual([false, false])
  })

  it("reads the state again when a command's answer was superseded by a reload that may have read it before", () => {
    const { state, requests } = ask(benchShowing("ungraded"), 2)
    const [grade, pushed] = requests as [number, number]
    const { state: after, steps } = settle(state, [
      { request: pushed, call: "reload", view: { shows: "ungraded" }, refusal: null },
      { request: grade, call: "command", view: { shows: "graded" }, refusal: null }
    ])
    expect(steps.map((step) => step.reread)).toEqual([false, true])
    expect(after.view).toEqual({ shows: "ungraded" })
    const again = askBench(after)
    const { state: reread } = settle(again.state, [
      { request: again.request, call: "reload", view: { shows: "graded" }, refusal: null }
    ])
    expect(reread.view).toEqual({ shows: "graded" })
  })

  it("shows a current answer and reads nothing again", () => {
    const { state, requests } = ask(benchShowing("idle"), 1)
    const { state: after, steps } = settle(state, [
      { request: requests[0]!, call: "command", view: { shows: "packed" }, refusal: null }
    ])
    expect(after.view).toEqual({ shows: "packed" })
    expect(steps[0]!.reread).toBe(false)
  })
})
