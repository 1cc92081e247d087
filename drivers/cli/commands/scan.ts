/** `packbench scan`: identifies scans from arguments or stdin and prints one JSON object each. */
import { StringDecoder } from "node:string_decoder"
import { type IdentifyOptions, identifyScan } from "../../../core/scan/identify.ts"
import { type CarrierId, carrierIds } from "../../../core/scan/trackingNumber.ts"
import { type Command, type CommandIo, writeLine } from "../Command.ts"

const usage = "scan [--expect-tracking] [--carriers=ups,dhl,...] [--] [RAW ...]"

const help = `usage: packbench ${usage}

Identifies each RAW scan (or, without RAW, one scan per line of standard input) and prints one JSON object per
line: {"input", "kind", "valid", ...}. Kinds: gtin, gs1, digital-link, sscc, tracking, packbench, sku, unknown.
Tracking numbers may have spaces, dashes, dots and lower case; GS (0x1D) in stdin separates GS1 fields.

options:
  --expect-tracking        a number that is both a valid GTIN and a valid tracking number is a tracking number,
                           and carrier formats without anything of their own count
  --carriers=ID,...        the carriers this station ships with: claimed first, also without a check digit
  -h, --help               this text
  --                       every later argument is a scan, even one starting with "-"

exit status: 0 when at least one scan was valid (or there was none), 1 when every scan was invalid, 2 for a usage
error. Carrier ids: ${carrierIds.join(", ")}`

type Parsed =
  | { readonly options: IdentifyOptions; readonly raws: ReadonlyArray<string> }
  | { readonly error: string }
  | { readonly help: true }

const parseArgs = (argv: ReadonlyArray<string>, year: number): Parsed => {
  let expect: IdentifyOptions["expect"] = "any"
  let carriers: ReadonlyArray<CarrierId> | undefined
  const raws: Array<string> = []
  let flagsDone = false
  for (const arg of argv) {
    if (flagsDone || !arg.startsWith("-") || arg === "-") {
      raws.push(arg)
    } else if (arg === "-h" || arg === "--help") {
      return { help: true }
    } else if (arg === "--") {
      flagsDone = true
    } else if (arg === "--expect-tracking") {
      expect = "tracking"
    } else if (arg.startsWith("--carriers=")) {
      const names = arg.slice("--carriers=".length).split(",")
      const bad = names.filter((name) => !(carrierIds as ReadonlyArray<string>).includes(name))
      if (bad.length > 0 || names.length === 0) {
        return { error: `unknown carrier "${bad.join(",")}"; known: ${carrierIds.join(", ")}` }
      }
      carriers = names as Array<CarrierId>
    } else {
      return { error: `unknown option "${arg}"` }
    }
  }
  const options: IdentifyOptions = { expect, referenceYear: year, ...(carriers === undefined ? {} : { carriers }) }
  return { options, raws }
}

/** How many scans were identified, and how many of them valid: the exit status depends on it. */
interface Tally {
  scans: number
  valid: number
}

const identifyOne = async (io: CommandIo, raw: string, options: IdentifyOptions, tally: Tally) => {
  const result = identifyScan(raw, options)
  tally.scans++
  if (result.valid) tally.valid++
  await writeLine(io.stdout, JSON.stringify(result))
}

/** One raw scan per line; the byte 0x1D (GS) passes through, CRLF and LF both end a line, blank lines are skipped. */
const identifyLines = async (io: CommandIo, options: IdentifyOptions, tally: Tally): Promise<void> => {
  const decoder = new StringDecoder("utf8")
  let pending = ""
  const emit = async (line: string) => {
    if (line !== "" && line !== "\r") await identifyOne(io, line, options, tally)
  }
  for await (const chunk of io.stdin) {
    pending += typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer)
    let newline = pending.indexOf("\n")
    while (newline !== -1) {
      await emit(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf("\n")
    }
  }
  await emit(pending + decoder.end())
}

export const scanCommand: Command = {
  name: "scan",
  usage,
  summary: "identify raw scans (arguments, or one per stdin line) and print one JSON result per line",
  run: async (argv, io) => {
    const parsed = parseArgs(argv, new Date().getFullYear())
    if ("help" in parsed) {
      await writeLine(io.stdout, help)
      return 0
    }
    if ("error" in parsed) {
      await writeLine(io.stderr, `packbench scan: ${parsed.error}\nusage: packbench ${usage}`)
      return 2
    }
    const tally: Tally = { scans: 0, valid: 0 }
    if (parsed.raws.length === 0) await identifyLines(io, parsed.options, tally)
    for (const raw of parsed.raws) await identifyOne(io, raw, parsed.options, tally)
    return tally.scans > 0 && tally.valid === 0 ? 1 : 0
  }
}
