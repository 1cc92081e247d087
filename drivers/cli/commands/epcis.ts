/** `packbench epcis export`: the station's events of a device-time window as one EPCIS 2.0 JSON-LD document. */
import { parseInstant } from "../../../core/time/parseInstant.ts"
import { type Command, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"
import { exportEpcis } from "./epcisExport.ts"

const USAGE = "epcis export [--from ISO] [--to ISO] [--order ORDER_ID] [--out FILE] [--config FILE] [--data-dir DIR]"

const HELP = [
  `usage: packbench ${USAGE}`,
  "",
  "Writes the station's events as an EPCIS 2.0 JSON-LD document (GS1), streamed, to FILE or stdout.",
  "  --from ISO    first instant, inclusive, with its offset: 2026-12-04T00:00:00+01:00 or …Z",
  "  --to ISO      end instant, exclusive; events are chosen by their device time (eventTime)",
  "  --order ID    only the events of one order (its parcels and returns too)",
  "  --out FILE    write the document to FILE, whole or not at all (default: stdout)",
  "  --config FILE the station's configuration (time zone, epcis.siteLocation/readPoint)",
  "  --data-dir DIR the station's data directory (default: from the configuration)"
].join("\n")

/** An order id as the station stores it: printable, no spaces, bounded (it goes into a query parameter only). */
const orderIdOf = (text: string): string | undefined => (/^[\x21-\x7e]{1,64}$/.test(text) ? text : undefined)

export const epcisCommand: Command = {
  name: "epcis",
  usage: USAGE,
  summary: "export the station's events of a time window as an EPCIS 2.0 document",
  run: async (argv, io) => {
    const usage = async (problem: string) => {
      await writeLine(io.stderr, `packbench epcis: ${problem}\nusage: packbench ${USAGE}`)
      return 2
    }
    const [sub, ...rest] = argv
    if (sub === "--help" || sub === "-h" || rest.includes("--help") || rest.includes("-h")) {
      await writeLine(io.stdout, HELP)
      return 0
    }
    if (sub !== "export") return usage(sub === undefined ? "missing sub-command" : `unknown sub-command "${sub}"`)
    const flags = parseFlags(rest, {
      from: "string",
      to: "string",
      order: "string",
      out: "string",
      config: "string",
      "data-dir": "string"
    })
    if (!flags.ok) return usage(flags.message)
    if (flags.positional.length > 0) return usage(`unexpected ${flags.positional.join(" ")}`)
    const { values } = flags
    const instant = (name: "from" | "to") => {
      const text = values[name]
      return text === undefined ? { ok: true as const } : { ok: true as const, ms: parseInstant(text), text }
    }
    const from = instant("from")
    const to = instant("to")
    for (const [name, value] of [
      ["from", from],
      ["to", to]
    ] as const) {
      if (value.text !== undefined && value.ms === undefined) {
        return usage(
          `--${name} needs an ISO 8601 instant with its offset, e.g. 2026-12-04T00:00:00+01:00 or 2026-12-03T23:00:00Z (got "${value.text.slice(0, 40)}")`
        )
      }
    }
    if (from.ms !== undefined && to.ms !== undefined && to.ms <= from.ms) return usage("--to must be after --from")
    const orderId = values.order === undefined ? undefined : orderIdOf(values.order)
    if (values.order !== undefined && orderId === undefined) return usage("--order needs an order id (no spaces)")
    return exportEpcis(io, {
      command: "epcis",
      selection: {
        by: "time",
        filter: {
          ...(from.ms === undefined ? {} : { fromMs: from.ms }),
          ...(to.ms === undefined ? {} : { toMs: to.ms }),
          ...(orderId === undefined ? {} : { orderId })
        }
      },
      config: values.config,
      dataDir: values["data-dir"],
      out: values.out
    })
  }
}
