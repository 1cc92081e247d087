/** The `packbench serve` command: runs the station with its UI over HTTP. */
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import { startStation } from "../../station/Station.ts"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"
import { listenPortProblem, parseFlags } from "../parseFlags.ts"

/** Runs the station in this process with the UI over HTTP until SIGINT/SIGTERM. */
export const serveCommand: Command = {
  name: "serve",
  usage: "serve [--config FILE] [--port N]",
  summary: "run the station service and serve its UI on http://127.0.0.1:PORT",
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: "string", port: "string" })
    if (!flags.ok) {
      await writeLine(io.stderr, `packbench serve: ${flags.message}`)
      return 2
    }
    const port = flags.values.port
    // Checked here, not left to the config: its message would name PACKBENCH_HTTP_PORT, which the person never set.
    const portProblem = port === undefined ? undefined : listenPortProblem(port)
    if (portProblem !== undefined) {
      await writeLine(io.stderr, `packbench serve: ${portProblem}`)
      return 2
    }
    const env = port === undefined ? io.env : { ...io.env, PACKBENCH_HTTP_PORT: port }
    let station: Awaited<ReturnType<typeof startStation>>
    try {
      const config = loadConfig({ cwd: io.cwd, env, configFile: flags.values.config })
      station = await startStation({ config, http: true, log: (line) => void writeLine(io.stderr, line) })
    } catch (error) {
      await writeLine(
        io.stderr,
        error instanceof ConfigError ? error.message : `The station did not start: ${(error as Error).message}`
      )
      return 1
    }
    // Listen for the stop before saying the station runs: a supervisor may stop it as soon as it reads that line.
    const stopped = new Promise<void>((resolve) => {
      process.once("SIGINT", resolve)
      process.once("SIGTERM", resolve)
    })
    await writeLine(io.stdout, `Packbench station ${station.siteId}/${station.stationId} is running.`)
    await writeLine(io.stdout, `Open ${station.url} in a browser. Stop with Ctrl+C.`)
    await stopped
    await writeLine(io.stdout, "Stopping the station…")
    await station.close()
    return 0
  }
}
