/** One event as the station committed it. */
export interface CommittedEvent {
  readonly id: string
}

/** One application of an event at the consumer, in the order they were applied. */
export interface AppliedEvent {
  readonly id: string
  readonly stationId: string
  readonly epoch: string
  readonly seq: number
}

export interface DeliveryVerdict {
  /** Committed at the station, never applied. Must be empty. */
  readonly lost: ReadonlyArray<string>
  /** Applied more than once. Must be empty. */
  readonly appliedTwice: ReadonlyArray<string>
  /** Applied but never committed by the station. Must be empty. */
  readonly unexpected: ReadonlyArray<string>
  /** Applications whose seq did not follow the previous one of its (station, epoch). Must be empty. */
  readonly outOfOrder: ReadonlyArray<string>
}

/**
 * The end-to-end check every sync test ends with: it looks at outcomes (what the station committed, what the
 * consumer applied), never at logs, because a sync engine can lose writes without a single error line.
 */
export const checkDelivery = (
  committed: ReadonlyArray<CommittedEvent>,
  applied: ReadonlyArray<AppliedEvent>
): DeliveryVerdict => {
  const committedIds = new Set(committed.map((event) => event.id))
  const seen = new Map<string, number>()
  const lastSeq = new Map<string, number>()
  const appliedTwice: Array<string> = []
  const unexpected: Array<string> = []
  const outOfOrder: Array<string> = []
  for (const event of applied) {
    const count = (seen.get(event.id) ?? 0) + 1
    seen.set(event.id, count)
    if (count === 2) appliedTwice.push(event.id)
    if (!committedIds.has(event.id)) unexpected.push(event.id)
    const stream = `${event.stationId}/${event.epoch}`
    if (event.seq !== (lastSeq.get(stream) ?? 0) + 1) outOfOrder.push(`${stream}#${event.seq}`)
    lastSeq.set(stream, event.seq)
  }
  const lost = committed.filter((event) => !seen.has(event.id)).map((event) => event.id)
  return { lost, appliedTwice, unexpected, outOfOrder }
}
