/** The station's utility process in the desktop app: runs the station and answers the main process's calls. */
import { join } from "node:path"
import type { RunningStation } from "../drivers/station/Station.ts"
import { type FromStation, isToStation } from "./StationProcessMessage.ts"

/** The part of Electron's `process.parentPort` the station process uses. */
export interface ParentPortLike {
  readonly on: (event: "message", listener: (event: { readonly data: unknown }) => void) => unknown
  readonly postMessage: (message: FromStation) => void
}

export interface StationProcessOptions {
  readonly parentPort: ParentPortLike
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readonly log: (line: string) => void
  readonly exit: (code: number) => void
  /** Tests pass a fake station; by default the real one starts without HTTP, since IPC is its transport here. */
  readonly start?: (cwd: string, env: Readonly<Record<string, string | undefined>>) => Promise<RunningStation>
}

// Station.ts pulls in better-sqlite3 and serialport at import time; importing it lazily lets a native module built
// for the wrong runtime surface as a `fatal` message the user sees, instead of a silent crash before `ready`.
const startRealStation =
  (log: (line: string) => void) => async (cwd: string, env: Readonly<Record<string, string | undefined>>) => {
    const { loadConfig } = await import("../drivers/station/loadConfig.ts")
    const config = loadConfig({ cwd, env })
    const { startStation } = await import("../drivers/station/Station.ts")
    return startStation({ config, http: false, log })
  }

const describeStartFailure = (error: unknown): string => {
  if (error instanceof Error && error.name === "ConfigError") return error.message
  const message = error instanceof Error ? error.message : String(error)
  if (/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|was compiled against a different Node\.js version/.test(message)) {
    return `The station did not start: a native module (better-sqlite3 or serialport) is built for Node.js, not for Electron. Rebuild it for Electron (npx @electron/rebuild -f -w better-sqlite3,@serialport/bindings-cpp) or run \`packbench serve\` instead.\n\n${message}`
  }
  return `The station did not start: ${message}`
}

/**
 * The utility process's whole job: start the station from the config in cwd/env, answer `call` messages with
 * `result` messages carrying the same id, forward every push, and close the station when asked. Startup failures are
 * reported as one `fatal` message with a text a person can act on, then the process exits non-zero.
 */
export const runStationProcess = async (options: StationProcessOptions): Promise<void> => {
  const { parentPort, log } = options
  let station: RunningStation
  try {
    station = await (options.start ?? startRealStation(log))(options.cwd, options.env)
  } catch (error) {
    parentPort.postMessage({ kind: "fatal", message: describeStartFailure(error) })
    options.exit(1)
    return
  }
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= station.close().then(
      () => options.exit(0),
      (error: unknown) => {
        log(`closing the station failed: ${String(error)}`)
        options.exit(1)
      }
    )
    return closing
  }
  station.subscribe((message) => parentPort.postMessage({ kind: "push", message }))
  parentPort.on("message", ({ data }) => {
    if (!isToStation(data)) {
      log(`station process: ignored a malformed message from the main process: ${JSON.stringify(data)}`)
      return
    }
    if (data.kind === "close") {
      void close()
      return
    }
    station.call(data.name, data.input).then(
      (result) => parentPort.postMessage({ kind: "result", id: data.id, result }),
      (error: unknown) =>
        parentPort.postMessage({
          kind: "result",
          id: data.id,
          result: { ok: false, error: { code: "internal", message: `${data.name} failed: ${String(error)}` } }
        })
    )
  })
  parentPort.postMessage({
    kind: "ready",
    siteId: station.siteId,
    stationId: station.stationId,
    printoutsDir: join(station.config.dataDir, "printouts")
  })
}
