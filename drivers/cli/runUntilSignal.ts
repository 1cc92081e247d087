/** Runs a long-lived command's program until it ends or the process is asked to stop (SIGINT, SIGTERM). */
import { Effect, type Exit, Fiber } from "effect"

/**
 * Forks `program` and waits for its end; SIGINT or SIGTERM interrupts it, so its scopes close (databases, brokers,
 * sockets) before the process exits. The handlers are removed afterwards, so a second signal is the default one.
 */
export const runUntilSignal = async <A, E>(program: Effect.Effect<A, E>): Promise<Exit.Exit<A, E>> => {
  const fiber = Effect.runFork(program)
  const stop = () => Effect.runFork(Fiber.interrupt(fiber))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  try {
    return await Effect.runPromise(Fiber.await(fiber))
  } finally {
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
  }
}
