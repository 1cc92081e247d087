/** Adapts a Node child process to the station relay, as the desktop app runs the station from the repository. */
import type { ChildProcess } from "node:child_process"
import type { ToStation } from "./StationProcessMessage.ts"
import type { StationChild } from "./stationRelay.ts"

/** A Node child process with an IPC channel, seen as the relay's StationChild. */
export const stationChildOf = (child: ChildProcess): StationChild => ({
  postMessage: (message: ToStation) => {
    // A send to a process that already exited fails; the relay learns of the exit from the "exit" event.
    if (child.connected) child.send(message)
  },
  on: ((event: "message" | "exit", listener: (value: never) => void) =>
    event === "message"
      ? child.on("message", listener as (message: unknown) => void)
      : child.on("exit", (code, signal) =>
          (listener as (code: number) => void)(code ?? (signal === null ? 1 : 128))
        )) as StationChild["on"],
  kill: () => child.kill()
})
