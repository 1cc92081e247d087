/** Parses a command's `--flag value` options, refusing unknown ones with a message. */
export type FlagKinds = Readonly<Record<string, "string" | "boolean">>

export type ParsedFlags<K extends FlagKinds> =
  | {
      readonly ok: true
      readonly values: { -readonly [F in keyof K]?: K[F] extends "string" ? string : boolean }
      readonly positional: ReadonlyArray<string>
    }
  | { readonly ok: false; readonly message: string }

/** `--name value`, `--name=value` and boolean `--flag`; anything after `--` is positional. */
export const parseFlags = <K extends FlagKinds>(argv: ReadonlyArray<string>, kinds: K): ParsedFlags<K> => {
  const values: Record<string, string | boolean> = {}
  const positional: Array<string> = []
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === "--") {
      positional.push(...argv.slice(index + 1))
      break
    }
    if (!arg.startsWith("--")) {
      positional.push(arg)
      continue
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    const kind = kinds[name]
    if (kind === undefined) return { ok: false, message: `unknown option --${name}` }
    if (kind === "boolean") {
      if (inline !== undefined) return { ok: false, message: `--${name} takes no value` }
      values[name] = true
      continue
    }
    const value = inline ?? argv[++index]
    if (value === undefined) return { ok: false, message: `--${name} needs a value` }
    values[name] = value
  }
  return { ok: true, values: values as never, positional }
}
