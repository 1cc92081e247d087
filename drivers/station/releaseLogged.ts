/** Releases a resource at shutdown, logging a failure instead of stopping the shutdown. */
import { Effect } from "effect"

/**
 * Releases a resource whose driver closes with a promise. A release that fails is logged and the rest of the
 * shutdown goes on, so one stuck listener never keeps the data dir locked or the process alive.
 */
export const releaseLogged = (log: (line: string) => void, close: () => Promise<void>) =>
  Effect.tryPromise({ try: close, catch: (error) => error }).pipe(
    Effect.catch((error) => Effect.sync(() => log(`shutdown step failed: ${String(error)}`)))
  )
