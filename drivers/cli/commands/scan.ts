import { StringDecoder } from "node:string_decoder"
import { type IdentifyOptions, identifyScan } from "../../../core/scan/identify.ts"
import { type CarrierId, carrierIds } from "../../../core/scan/trackingNumber.ts"
import { type Command, type CommandIo, writeLine } from "../Command.ts"

const usage = "scan [--expect-tracking] [--carriers=ups,dhl,...] [--] [RAW ...]"

type Parsed = { readonly options: IdentifyOptions; readonly raws: ReadonlyArray<string> } | { readonly error: string }

const parseArgs = (argv: ReadonlyArray<string>, year: number): Parsed => {
  let expect: IdentifyOptions["expect"] = "any"
  let carriers: ReadonlyArray<CarrierId> | undefined
  const raws: Array<string> = []
  let flagsDone = false
  for (const arg of argv) {
    if (flagsDone || !arg.startsWith("--")) {
      raws.push(arg)
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

/** One raw scan per line; the byte 0x1D (GS) passes through, CRLF and LF both end a line, blank lines are skipped. */
const identifyLines = async (io: CommandIo, options: IdentifyOptions): Promise<void> => {
  const decoder = new StringDecoder("utf8")
  let pending = ""
  const emit = async (line: string) => {
    if (line !== "" && line !== "\r") await writeLine(io.stdout, JSON.stringify(identifyScan(line, options)))
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
    if ("error" in parsed) {
      await writeLine(io.stderr, `packbench scan: ${parsed.error}\nusage: packbench ${usage}`)
      return 2
    }
    if (parsed.raws.length === 0) {
      await identifyLines(io, parsed.options)
      return 0
    }
    for (const raw of parsed.raws) await writeLine(io.stdout, JSON.stringify(identifyScan(raw, parsed.options)))
    return 0
  }
}
