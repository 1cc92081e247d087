/** Taking what a queue holds now, without waiting: the second half of a batch that waited for more to come. */
import { Effect, Queue } from "effect"

/**
 * Up to `max` messages the queue holds now, oldest first, and none when it holds none; never waits. Effect's
 * `Queue.takeBetween(queue, 0, max)` is not this: with a minimum of 0 it takes nothing even from a full queue.
 */
export const takeWaiting = <A, E>(queue: Queue.Dequeue<A, E>, max: number): Effect.Effect<Array<A>, E> =>
  Effect.flatMap(Queue.size(queue), (size) => {
    const count = Math.min(size, Math.floor(max))
    return count > 0 ? Queue.takeBetween(queue, count, count) : Effect.succeed([])
  })
