/** Parses a command's `--flag value` options with node:util parseArgs, refusing unknown ones with a message. */
import { parseArgs } from "node:util"
import { boundedOneLine, quotedOneLine } from "../../core/bounds/oneLine.ts"
export type FlagKinds = Readonly<Record<string, "string" | "boolean">>

export type ParsedFlags<K extends FlagKinds> =
  | {
      readonly ok: true
      readonly values: { -readonly [F in keyof K]?: K[F] extends "string" ? string : boolean }
      readonly positional: ReadonlyArray<string>
    }
  | { readonly ok: false; readonly message: string }

/**
 * What is wrong with `text` as the port a server listens on (`--port`), in words naming the flag, or undefined: digits
 * only (`1e3` is no port, though Number reads it as 1000), 0 (any free port) to 65535.
 */
export const listenPortProblem = (text: string): string | undefined =>
  /^\d{1,5}$/.test(text) && Number(text) <= 65_535
    ? undefined
    : `--port takes a port number from 0 to 65535, got ${quotedOneLine(text)}`

/**
 * `--name value`, `--name=value` and boolean `--flag`, read by node:util's parseArgs; anything after `--` is
 * positional, and so is a single-dash word (`-5`, `-`), as a command's own arguments may start with a dash.
 * Unknown options, a missing or empty value and a value given to a boolean are refused with a message naming the
 * option.
 */
export const parseFlags = <K extends FlagKinds>(argv: ReadonlyArray<string>, kinds: K): ParsedFlags<K> => {
  const options = Object.fromEntries(Object.entries(kinds).map(([name, type]) => [name, { type }]))
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })
  const values: Record<string, string | boolean> = {}
  const positional: Array<string> = []
  let shortWordAt = -1
  for (const token of tokens) {
    if (token.kind === "positional") positional.push(token.value)
    else if (token.kind === "option" && !token.rawName.startsWith("--")) {
      // parseArgs splits `-abc` into three tokens of one argument: keep the argument once, as it was written.
      if (token.index !== shortWordAt) positional.push(argv[token.index]!)
      shortWordAt = token.index
    } else if (token.kind === "option") {
      const kind = kinds[token.name]
      if (kind === undefined) return { ok: false, message: `unknown option --${boundedOneLine(token.name, 60)}` }
      if (kind === "boolean") {
        if (token.value !== undefined) return { ok: false, message: `--${token.name} takes no value` }
        values[token.name] = true
      } else {
        if (token.value === undefined) return { ok: false, message: `--${token.name} needs a value` }
        // Mostly a shell variable that was not set: taken for the option left out, `--data-dir=` would run on the
        // default data dir, `--port=` on the default port.
        if (token.value === "") return { ok: false, message: `--${token.name} needs a value, got an empty one` }
        values[token.name] = token.value
      }
    }
  }
  return { ok: true, values: values as never, positional }
}
