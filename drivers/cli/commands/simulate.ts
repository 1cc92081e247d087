/** The `packbench simulate` command: a scripted packer working a configured station end to end. */
import { runPackSimulation } from "../../simulation/PackSimulation.ts"
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import { type Command, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"

/**
 * A scripted packer on the configured station: orders from the simulated shop through the inbox, every scan through
 * the simulated scanner, labels and inserts to the simulated printers, events through the sync engine. Progress goes
 * to stderr, the summary as JSON to stdout; exit 1 when any order was refused or failed.
 */
export const simulateCommand: Command = {
  name: "simulate",
  usage:
    "simulate --orders N [--rate PER_S] [--no-render] [--from-shop [--order-prefix P]] [--wait S] [--returns N] [--broker URL] [--config FILE] [--data-dir DIR]",
  summary: "a scripted packer packs N generated orders through the real flow and prints a JSON summary",
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      orders: "string",
      rate: "string",
      broker: "string",
      config: "string",
      "data-dir": "string",
      "from-shop": "boolean",
      "order-prefix": "string",
      "no-render": "boolean",
      wait: "string",
      returns: "string"
    })
    const usage = async (problem: string) => {
      await writeLine(io.stderr, `packbench simulate: ${problem}\nusage: packbench ${simulateCommand.usage}`)
      return 2
    }
    if (!flags.ok) return usage(flags.message)
    if (flags.positional.length > 0) return usage(`unexpected ${flags.positional.join(" ")}`)
    const { values } = flags
    if (values.orders === undefined) return usage("--orders is required")
    const orders = Number(values.orders)
    if (!/^\d+$/.test(values.orders) || orders < 1 || orders > 1_000_000) {
      return usage(`--orders must be a whole number from 1 to 1000000, not "${values.orders}"`)
    }
    const rate = values.rate === undefined ? undefined : Number(values.rate)
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
      return usage(`--rate must be a positive number of orders per second, not "${values.rate}"`)
    }
    const waitSeconds = Number(values.wait ?? "120")
    if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 86_400) {
      return usage(`--wait must be a whole number of seconds from 1 to 86400, not "${values.wait}"`)
    }
    const returns = values.returns === undefined ? undefined : Number(values.returns)
    if (returns !== undefined && !(Number.isInteger(returns) && returns >= 0 && returns <= orders)) {
      return usage(`--returns must be a whole number from 0 to the number of orders, not "${values.returns}"`)
    }
    if (values.broker !== undefined && !/^(mqtts?|wss?):\/\/./.test(values.broker)) {
      return usage(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, not "${values.broker}"`)
    }
    const env = {
      ...io.env,
      ...(values.broker === undefined ? {} : { PACKBENCH_BROKER_URL: values.broker }),
      ...(values["data-dir"] === undefined ? {} : { PACKBENCH_DATA_DIR: values["data-dir"] })
    }
    let config: ReturnType<typeof loadConfig>
    try {
      config = loadConfig({ cwd: io.cwd, env, configFile: values.config })
    } catch (error) {
      await writeLine(io.stderr, error instanceof ConfigError ? error.message : `packbench simulate: ${String(error)}`)
      return 1
    }
    const log = (line: string) => void writeLine(io.stderr, line)
    try {
      const run = await runPackSimulation({
        config,
        orders,
        ...(rate === undefined ? {} : { ratePerSecond: rate }),
        // The simulated printers still receive every job; they only skip turning it into PNG/PDF files.
        ...(values["no-render"] === true ? { renderPrintouts: false } : {}),
        ...(values["from-shop"] === true
          ? {
              fromShop: {
                waitMs: waitSeconds * 1000,
                ...(values["order-prefix"] === undefined ? {} : { orderPrefix: values["order-prefix"] })
              }
            }
          : {}),
        ...(returns === undefined ? {} : { returns: { count: returns, waitMs: waitSeconds * 1000 } }),
        log
      })
      await writeLine(io.stdout, JSON.stringify(run.summary, null, 2))
      const unanswered =
        run.summary.returns === undefined ? 0 : run.summary.returns.pending + run.summary.returns.problems.length
      return run.summary.refused.length + run.summary.failed.length + unanswered === 0 ? 0 : 1
    } catch (error) {
      await writeLine(io.stderr, `packbench simulate: ${error instanceof Error ? error.message : String(error)}`)
      return 1
    }
  }
}
