/** One event as the station committed it. */
export interface CommittedEvent {
  readonly id: string
}

/** One application of an event at the consumer, in the order they were applied; or one refusal in its place. */
export interface AppliedEvent {
  readonly id: string
  readonly stationId: string
  readonly epoch: string
  readonly seq: number
}

export interface DeliveryVerdict {
  /** Committed at the station, neither applied nor refused in its place. Must be empty. */
  readonly lost: ReadonlyArray<string>
  /** Took its place more than once: applied twice, refused twice, or applied and refused. Must be empty. */
  readonly appliedTwice: ReadonlyArray<string>
  /** Applied or refused in a place but never committed by the station. Must be empty. */
  readonly unexpected: ReadonlyArray<string>
  /**
   * Applications whose seq did not follow the previous one of its (station, epoch), counting the places events
   * refused in them took. Must be empty.
   */
  readonly outOfOrder: ReadonlyArray<string>
}

/**
 * The end-to-end check every sync test ends with: it looks at outcomes (what the station committed, what the
 * consumer applied), never at logs, because a sync engine can lose writes without a single error line.
 *
 * `refusedInPlace`: the events the consumer refused for good and quarantined in their place in the sequence
 * (`EventRefused`, an event out of bounds; `refusedInPlace` in fixtures/mqtt/SyncRig.ts reads them). Each took its
 * place as an applied event does: it is not lost, and the next applied event of its stream follows it. One that is
 * also applied, or refused twice, took its place twice.
 */
export const checkDelivery = (
  committed: ReadonlyArray<CommittedEvent>,
  applied: ReadonlyArray<AppliedEvent>,
  refusedInPlace: ReadonlyArray<AppliedEvent> = []
): DeliveryVerdict => {
  const committedIds = new Set(committed.map((event) => event.id))
  const seen = new Map<string, number>()
  const appliedTwice: Array<string> = []
  const unexpected: Array<string> = []
  const outOfOrder: Array<string> = []
  const took = (event: AppliedEvent) => {
    const count = (seen.get(event.id) ?? 0) + 1
    seen.set(event.id, count)
    if (count === 2) appliedTwice.push(event.id)
    if (!committedIds.has(event.id)) unexpected.push(event.id)
  }
  const streamOf = (event: AppliedEvent) => `${event.stationId}/${event.epoch}`
  // The refusals have no place in the order of applications (they are recorded apart): only their seqs count.
  const refusedSeqs = new Map<string, Set<number>>()
  for (const event of refusedInPlace) {
    took(event)
    const stream = streamOf(event)
    const seqs = refusedSeqs.get(stream) ?? new Set<number>()
    seqs.add(event.seq)
    refusedSeqs.set(stream, seqs)
  }
  const lastSeq = new Map<string, number>()
  for (const event of applied) {
    took(event)
    const stream = streamOf(event)
    let next = (lastSeq.get(stream) ?? 0) + 1
    while (refusedSeqs.get(stream)?.has(next) === true) next++
    if (event.seq !== next) outOfOrder.push(`${stream}#${event.seq}`)
    lastSeq.set(stream, event.seq)
  }
  const lost = committed.filter((event) => !seen.has(event.id)).map((event) => event.id)
  return { lost, appliedTwice, unexpected, outOfOrder }
}
