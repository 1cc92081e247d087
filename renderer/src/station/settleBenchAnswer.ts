/** Which of the bench view's answers the screen shows, and what an answer asks for next (an error tone, a re-read). */
import type { RefusalText } from "../i18n/describeRefusal.ts"

/**
 * What the bench screen shows. The view follows the newest answer to the newest request; the outcome of an input
 * (its refusal or its failure) follows the newest input that answered, whenever its answer comes: an answer that a
 * later reload overtook still tells the clerk why the key did nothing.
 */
export interface BenchState<V> {
  /** The last request asked of the station. */
  readonly latest: number
  /** The last input whose outcome is shown: a command's request, or for a scan the last request asked before it. */
  readonly outcomeOf: number
  readonly view: V | undefined
  /** The last input's refusal, kept while the state is reloaded: a reload must not hide why a scan was refused. */
  readonly refusal: RefusalText | null
  /** True when the refusal answered a scan, whose outcome panel already names it. */
  readonly refusalFromScan: boolean
  readonly error: unknown
  /** True when the error is a command's failure (kept like a refusal), false when a state read failed. */
  readonly errorFromInput: boolean
}

/**
 * An answer to request `request`: a state read (`reload`) or a command, with the view it answered or its failure.
 * `refusal` is the refusal the view carries, null when it carries none.
 */
export type BenchAnswer<V> =
  | {
      readonly request: number
      readonly call: "reload" | "command"
      readonly view: V
      readonly refusal: RefusalText | null
    }
  | { readonly request: number; readonly call: "reload" | "command"; readonly failure: unknown }

/** What the screen shows after an answer, whether to play the error tone, and whether to read the state again. */
export interface BenchStep<V> {
  readonly state: BenchState<V>
  readonly tone: boolean
  readonly reread: boolean
}

export const initialBench = <V>(): BenchState<V> => ({
  latest: 0,
  outcomeOf: 0,
  view: undefined,
  refusal: null,
  refusalFromScan: false,
  error: undefined,
  errorFromInput: false
})

/** The state once a new request is asked, and that request's number. */
export const askBench = <V>(state: BenchState<V>): { readonly state: BenchState<V>; readonly request: number } => ({
  state: { ...state, latest: state.latest + 1 },
  request: state.latest + 1
})

/** A command's failure gives way to a later input's outcome; a failed state read only to a state read that answers. */
const withoutInputError = <V>(state: BenchState<V>): BenchState<V> =>
  state.errorFromInput ? { ...state, error: undefined, errorFromInput: false } : state

/**
 * The state once a routed scan's outcome is handled: its refusal, or none, is the last input's. Commands asked before
 * the scan are older inputs: their answers no longer change what the clerk is told.
 */
export const benchScanned = <V>(state: BenchState<V>, refusal: RefusalText | null): BenchState<V> => ({
  ...withoutInputError(state),
  outcomeOf: state.latest,
  refusal,
  refusalFromScan: true
})

/** The newest view shown: it ends a failed state read, not a command's failure. */
const showView = <V>(state: BenchState<V>, view: V): BenchState<V> => ({
  ...state,
  view,
  ...(state.errorFromInput ? {} : { error: undefined })
})

/** The screen after a state read answered. */
const settleReload = <V>(state: BenchState<V>, answer: BenchAnswer<V>): BenchState<V> => {
  // An older read's answer, or its failure, is overtaken by a newer request that answers for the state.
  if (answer.request !== state.latest) return state
  if ("failure" in answer) return { ...state, error: answer.failure, errorFromInput: false }
  const read = showView(state, answer.view)
  // A state that carries a refusal (a session the station could not continue after a restart) shows it.
  return answer.refusal === null ? read : { ...read, refusal: answer.refusal, refusalFromScan: false }
}

/** The screen after `answer`. */
export const settleBenchAnswer = <V>(state: BenchState<V>, answer: BenchAnswer<V>): BenchStep<V> => {
  if (answer.call === "reload") return { state: settleReload(state, answer), tone: false, reread: false }
  const current = answer.request === state.latest
  const failed = "failure" in answer
  let next = state
  if (!failed && current) next = showView(next, answer.view)
  if (answer.request > state.outcomeOf) {
    next = failed
      ? { ...next, error: answer.failure, errorFromInput: true, refusal: null }
      : { ...withoutInputError(next), refusal: answer.refusal }
    next = { ...next, outcomeOf: answer.request, refusalFromScan: false }
  }
  return {
    state: next,
    tone: failed || answer.refusal !== null,
    // A reload asked for while this command ran (a push, a scan) may have read the state before the command's change
    // and answered after it: its view would hide the change (a grade key that seems lost). Read it again now. A
    // failed command changed nothing.
    reread: !failed && !current
  }
}
