/** The one rule for the version an inbound message is applied at: plausible to take, and newer than what is stored. */
import { Effect } from "effect"
import { Bounds } from "../bounds/Bounds.ts"

/**
 * Why `version` is no version a sender can have given, or undefined. Every versioned inbound type (an order, a
 * catalog update, a box update, a refund rule set) is versioned by its sender, and no sender's version gets past this
 * clock's time in ms plus `Bounds.clockSkewMs`: the hub's shop side counts an order's changes (1, 2, 3…,
 * hub/core/shop/ShopInbox.ts), the sample data (fixtures/data) and the simulated shop start at 1, and a shop that
 * publishes to the inbox by itself may count its changes so or stamp its change time in ms. Taken, such a version
 * (1e15, 2^53 - 1) would leave every genuine later change "not newer than the stored version" for good. A count can
 * be checked no closer without refusing a shop that versions by its change time.
 */
export const inboundVersionProblem = (version: number, receiverNowMs: number): string | undefined =>
  version > receiverNowMs + Bounds.clockSkewMs
    ? `version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's ${receiverNowMs} ms plus ${Bounds.clockSkewMs} ms`
    : undefined

/** A received version a sender can have given, to compare with what the station stores. */
export interface InboundVersion {
  readonly version: number
  /**
   * Whether this version replaces what is stored at `stored`: it is newer, or the stored one is no version a sender
   * can have given (taken before versions were checked), which is no version to compare with, so the genuine change
   * replaces it.
   */
  readonly supersedes: (stored: number) => boolean
}

/**
 * The version of `subject` (e.g. `order SO-100001`) received at `receivedAtMs`, or a failure saying why no sender can
 * have given it: the handler fails its message, which the inbox quarantines with the reason, and what is stored
 * stays as it is for the genuine changes to come.
 */
export const inboundVersion = (
  subject: string,
  version: number,
  receivedAtMs: number
): Effect.Effect<InboundVersion, string> => {
  const problem = inboundVersionProblem(version, receivedAtMs)
  if (problem !== undefined) return Effect.fail(`${subject}: ${problem}`)
  return Effect.succeed({
    version,
    supersedes: (stored) => version > stored || inboundVersionProblem(stored, receivedAtMs) !== undefined
  })
}
