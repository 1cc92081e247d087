/** Adapts an Electron utility process to the station relay, as the packaged app runs the station. */
import type { UtilityProcess } from "electron"
import type { ToStation } from "./StationProcessMessage.ts"
import type { StationChild } from "./stationRelay.ts"

/** An Electron utility process (the packaged app's station), seen as the relay's StationChild. */
export const stationUtilityChildOf = (child: UtilityProcess): StationChild => {
  let exited = false
  child.once("exit", () => {
    exited = true
  })
  return {
    postMessage: (message: ToStation) => {
      // A message to a process that already exited is dropped; the relay learns of the exit from the "exit" event.
      if (!exited) child.postMessage(message)
    },
    on: ((event: "message" | "exit", listener: (value: never) => void) =>
      event === "message"
        ? child.on("message", listener as (message: unknown) => void)
        : child.on("exit", (code) => (listener as (code: number) => void)(code))) as StationChild["on"],
    kill: () => child.kill()
  }
}
