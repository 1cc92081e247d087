/** `packbench address check`: checks addresses from stdin and prints the result and label block. */
import { createInterface } from "node:readline"
import type { AddressCarrier } from "../../../core/address/AddressCarrier.ts"
import { findCarrier, knownCarriers } from "../../../core/address/AddressCarrier.ts"
import type { Locale } from "../../../core/address/AddressMessages.ts"
import { messagesFor } from "../../../core/address/AddressMessages.ts"
import type { CheckOptions } from "../../../core/address/checkAddress.ts"
import { checkAddress } from "../../../core/address/checkAddress.ts"
import { defaultCarrierProfiles } from "../../../core/carrier/CarrierProfile.ts"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"

const usage = "address check [--locale de|en] [--carrier <id, e.g. dhl-paket>] [--origin <CC>]"

type Parsed = { readonly options: CheckOptions } | { readonly problem: string }

const parseArguments = (argv: ReadonlyArray<string>): Parsed => {
  const [subcommand, ...rest] = argv
  if (subcommand !== "check")
    return { problem: subcommand === undefined ? "missing sub-command" : `unknown sub-command "${subcommand}"` }
  let locale: Locale = "en"
  let carrier: AddressCarrier | undefined
  let originCountry: string | undefined
  for (let index = 0; index < rest.length; index += 2) {
    const flag = rest[index]!
    const value = rest[index + 1]
    if (value === undefined || value.startsWith("--")) return { problem: `${flag} needs a value` }
    if (flag === "--locale") {
      if (value !== "de" && value !== "en") return { problem: `--locale must be "de" or "en", not "${value}"` }
      locale = value
    } else if (flag === "--carrier") {
      // The station's carrier ids (as orders and the config name them), or the address rules' own carrier names.
      const profile = defaultCarrierProfiles.find((candidate) => candidate.id === value.toLowerCase())
      carrier = findCarrier(profile?.addressCarrier ?? value)
      if (carrier === undefined) {
        return {
          problem: `unknown carrier "${value}" (the station's: ${defaultCarrierProfiles.map((known) => known.id).join(", ")}; also ${knownCarriers.map((known) => known.id).join(", ")})`
        }
      }
    } else if (flag === "--origin") {
      if (!/^[A-Za-z]{2}$/.test(value)) return { problem: `--origin must be a two-letter country code, not "${value}"` }
      originCountry = value.toUpperCase()
    } else {
      return { problem: `unknown option "${flag}"` }
    }
  }
  return {
    options: {
      locale,
      ...(carrier === undefined ? {} : { carrier }),
      ...(originCountry === undefined ? {} : { originCountry })
    }
  }
}

const parseLine = (line: string): { readonly value: unknown } | { readonly error: string } => {
  try {
    return { value: JSON.parse(line) }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

/** `packbench address check`: one JSON address per stdin line in, one JSON check result per line out. */
export const addressCommand: Command = {
  name: "address",
  usage,
  summary: "check and format ship-to addresses (JSON lines on stdin)",
  run: async (argv, io) => {
    const parsed = parseArguments(argv)
    if ("problem" in parsed) {
      await writeLine(io.stderr, `packbench address: ${parsed.problem}\nusage: packbench ${usage}`)
      return 2
    }
    const messages = messagesFor(parsed.options.locale ?? "en")
    const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY })
    let failed = 0
    for await (const line of lines) {
      if (line.trim() === "") continue
      const decoded = parseLine(line)
      const result =
        "error" in decoded
          ? {
              ok: false,
              errors: [{ field: "", code: "invalid-input", message: messages.notJson(decoded.error) }],
              formatted: []
            }
          : checkAddress(decoded.value, parsed.options)
      if (!result.ok) failed++
      await writeLine(io.stdout, JSON.stringify(result))
    }
    // A script (or a shop's import job) can tell from the exit code alone that some address needs a person.
    if (failed > 0)
      await writeLine(io.stderr, `packbench address: ${failed} address${failed === 1 ? "" : "es"} failed the check`)
    return failed > 0 ? 1 : 0
  }
}
