/** Which of the bench view's answers the screen shows, and what an answer asks for next (an error tone, a re-read). */
import type { RefusalText } from "../i18n/describeRefusal.ts"

/** What the bench screen shows, and the number of the last request it asked the station. */
export interface BenchState<V> {
  readonly latest: number
  readonly view: V | undefined
  /** The last input's refusal, kept while the state is reloaded: a reload must not hide why a scan was refused. */
  readonly refusal: RefusalText | null
  /** True when the refusal answered a scan, whose outcome panel already names it. */
  readonly refusalFromScan: boolean
  readonly error: unknown
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
  view: undefined,
  refusal: null,
  refusalFromScan: false,
  error: undefined
})

/** The state once a new request is asked, and that request's number. */
export const askBench = <V>(state: BenchState<V>): { readonly state: BenchState<V>; readonly request: number } => ({
  state: { ...state, latest: state.latest + 1 },
  request: state.latest + 1
})

/** The state once a routed scan's outcome is handled: its refusal, or none, is the last input's. */
export const benchScanned = <V>(state: BenchState<V>, refusal: RefusalText | null): BenchState<V> => ({
  ...state,
  refusal,
  refusalFromScan: true
})

/** The screen after `answer`. */
export const settleBenchAnswer = <V>(state: BenchState<V>, answer: BenchAnswer<V>): BenchStep<V> => {
  const current = answer.request === state.latest
  const step = (next: BenchState<V>, tone = false, reread = false): BenchStep<V> => ({ state: next, tone, reread })
  if ("failure" in answer) {
    if (!current) return step(state)
    return step({ ...state, error: answer.failure }, answer.call === "command")
  }
  const refused = answer.refusal !== null && answer.call === "command"
  // A reload asked for while this call ran (a push, a scan) may have read the state before this call's change
  // and answered after it: its view would hide the change (a grade key that seems lost). Read it again now.
  if (!current) return step(state, refused, answer.call === "command")
  const shown = { ...state, view: answer.view, error: undefined }
  // A state that carries a refusal (a session the station could not continue after a restart) shows it.
  if (answer.call === "reload" && answer.refusal === null) return step(shown)
  return step({ ...shown, refusal: answer.refusal, refusalFromScan: false }, refused)
}
