/** The `packbench doctor` command: checks the station's setup and reports each check. */
import { runDoctor } from "../../station/Doctor.ts"
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"

/** One line per check, `ok`, `WARN` (the station works around it) or `FAIL`; exit 1 when any check fails, so scripts and installers can rely on it. */
export const doctorCommand: Command = {
  name: "doctor",
  usage: "doctor [--config FILE]",
  summary: "check config, data dir, database, broker, every configured device and API carrier",
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: "string" })
    if (!flags.ok || flags.positional.length > 0) {
      await writeLine(io.stderr, `packbench doctor: ${flags.ok ? "takes no arguments" : flags.message}`)
      return 2
    }
    let config: ReturnType<typeof loadConfig>
    try {
      config = loadConfig({ cwd: io.cwd, env: io.env, configFile: flags.values.config })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      await writeLine(io.stdout, `FAIL config: ${error.message.replaceAll("\n", "\n     ")}`)
      return 1
    }
    await writeLine(io.stdout, `ok   config: ${config.configFile ?? "no config file; embedded defaults"}`)
    let failed = false
    for (const result of await runDoctor(config)) {
      failed ||= !result.ok
      await writeLine(
        io.stdout,
        `${result.ok ? (result.warning === true ? "WARN" : "ok  ") : "FAIL"} ${result.name}: ${result.detail}`
      )
    }
    return failed ? 1 : 0
  }
}
