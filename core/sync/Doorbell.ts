/** A wake-up that reaches its waiter in a microtask, where a queue's taker waits for a turn of Effect's scheduler. */
import { Effect } from "effect"

/**
 * "Something may have changed; look again." Rings before anyone waits count as one, kept for the next wait; a ring
 * carries nothing, so a waiter woken for nothing merely looks and finds nothing.
 *
 * Effect's queues hand an offer to a waiting taker on the scheduler's next turn (a `setImmediate`), which runs only
 * after the I/O callbacks already due; a `Doorbell` resumes its waiters once the code running now has returned (a
 * microtask), so a commit's ring reaches the sender before the next socket read. Not at once, inside the ringer's
 * call: the ringer may be in the middle of a transaction whose lock the waiter then asks for.
 */
export interface Doorbell {
  /** Wakes every waiter (in a microtask), or, with none waiting, lets the next `wait` return at once. */
  readonly ring: () => void
  /** Until the bell rings; returns at once when it rang since the last wait returned. */
  readonly wait: Effect.Effect<void>
}

export const makeDoorbell = (): Doorbell => {
  let rung = false
  const waiters = new Set<() => void>()
  return {
    ring: () => {
      if (waiters.size === 0) {
        rung = true
        return
      }
      const woken = [...waiters]
      waiters.clear()
      // A microtask: ES's own, where `queueMicrotask` is the host's.
      void Promise.resolve().then(() => {
        for (const wake of woken) wake()
      })
    },
    wait: Effect.callback<void>((resume) => {
      if (rung) {
        rung = false
        resume(Effect.void)
        return
      }
      const wake = () => resume(Effect.void)
      waiters.add(wake)
      // Interrupted: no longer a waiter (a wake already on its way finds the fiber gone and does nothing).
      return Effect.sync(() => {
        waiters.delete(wake)
      })
    })
  }
}
