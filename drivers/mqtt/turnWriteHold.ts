/** Holding a link's writes until the event loop's turn ends, so that what one turn writes leaves in one write. */

/** The part of a Node writable stream (a net or TLS socket) the hold uses. */
export interface CorkableStream {
  cork(): void
  uncork(): void
}

/**
 * Returns `hold()`: it corks the stream `current()` returns until the event loop's check phase, so every packet
 * written in this turn of the loop leaves in one socket write. mqtt.js handles each incoming packet in a tick of its
 * own and uncorks after each packet it writes, so a drain answering a read of a hundred PUBACKs with a hundred
 * publishes made a hundred `writev` calls, each running the loopback or network stack once; held, they go as one.
 * A stream replaced by a reconnect is uncorked all the same, and the next hold corks the new one. Meant for the
 * writes that answer a read: a lone write (a publish after an append) held this way waited measurably longer
 * (append→PUBACK p50 at 200 events/s: 7 ms unheld, 24–55 ms held), so it is not held.
 */
export const makeTurnWriteHold = (current: () => Partial<CorkableStream> | undefined) => {
  let held: CorkableStream | undefined
  return () => {
    const stream = current()
    if (held !== undefined || typeof stream?.cork !== "function" || typeof stream.uncork !== "function") return
    const corkable = stream as CorkableStream
    corkable.cork()
    held = corkable
    setImmediate(() => {
      held = undefined
      corkable.uncork()
    })
  }
}
