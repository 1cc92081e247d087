/** The one rule for the version an inbound message is applied at: plausible to take, and newer than what is stored. */
import { Effect } from "effect"
import { Bounds } from "../bounds/Bounds.ts"

/**
 * The newest version a sender can have given by a receiving clock at `receiverNowMs`: its time in ms plus
 * `Bounds.clockSkewMs`. Every versioned inbound type (an order, a catalog update, a box update, a refund rule set, at a
 * station or at the hub) is versioned by its sender, and no sender's version gets past it: the hub's shop side counts
 * an order's changes (1, 2, 3…, hub/core/shop/ShopInbox.ts), the sample data (fixtures/data) and the simulated shop
 * start at 1, and a shop that publishes to the inbox by itself may count its changes so or stamp its change time in
 * ms. Taken, such a version (1e15, 2^53 - 1) would leave every genuine later change "not newer than the stored
 * version" for good. A count can be checked no closer without refusing a shop that versions by its change time.
 */
export const newestPlausibleVersion = (receiverNowMs: number): number => receiverNowMs + Bounds.clockSkewMs

/** Why `version` is no version a sender can have given (past `newestPlausibleVersion`), or undefined. */
export const inboundVersionProblem = (version: number, receiverNowMs: number): string | undefined =>
  version > newestPlausibleVersion(receiverNowMs)
    ? `version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's ${receiverNowMs} ms plus ${Bounds.clockSkewMs} ms`
    : undefined

/** A received version a sender can have given, to compare with what the receiver stores. */
export interface InboundVersion {
  readonly version: number
  /**
   * `newestPlausibleVersion` at the receiving time: a stored version above it is none a sender can have given. For a
   * store that compares in its own statement, `supersedes` reads `stored < version OR stored > newestPlausible`.
   */
  readonly newestPlausible: number
  /**
   * Whether this version replaces what is stored at `stored`: it is newer, or the stored one is no version a sender
   * can have given (taken before versions were checked), which is no version to compare with, so the genuine change
   * replaces it.
   */
  readonly supersedes: (stored: number) => boolean
}

/**
 * The version of `subject` (e.g. `order SO-100001`) received at `receivedAtMs`, or a failure saying why no sender can
 * have given it: the handler fails its message, which the inbox quarantines with the reason (at the hub, the station
 * event is refused in its place in the stream), and what is stored stays as it is for the genuine changes to come.
 */
export const inboundVersion = (
  subject: string,
  version: number,
  receivedAtMs: number
): Effect.Effect<InboundVersion, string> => {
  const problem = inboundVersionProblem(version, receivedAtMs)
  if (problem !== undefined) return Effect.fail(`${subject}: ${problem}`)
  const newestPlausible = newestPlausibleVersion(receivedAtMs)
  return Effect.succeed({
    version,
    newestPlausible,
    supersedes: (stored) => version > stored || stored > newestPlausible
  })
}
