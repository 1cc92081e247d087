/** Checks a ZPL job for well-formedness before it reaches a printer (or a test). */
import { decodeUtf8 } from "../bounds/Utf8.ts"
import { KNOWN_ZPL_COMMANDS, tokenizeZpl } from "./tokenizeZpl.ts"

const PARAMETERLESS: ReadonlySet<string> = new Set(["^XA", "^XZ", "^FS"])

/**
 * Well-formedness of a ZPL job: UTF-8, every format between ^XA and ^XZ (not nested), only the
 * commands Packbench knows, every ^FD closed by ^FS, and no raw ^ or ~ inside field data (which
 * the printer would take as a command: escape them with ^FH). Returns the problems found, each
 * naming the byte offset; an empty list means well-formed.
 */
export const validateZpl = (bytes: Uint8Array): ReadonlyArray<string> => {
  const decoded = decodeUtf8(bytes)
  if ("badOffset" in decoded) return [`invalid UTF-8 at byte ${decoded.badOffset}`]
  const problems: Array<string> = []
  let inFormat = false
  let formats = 0
  for (const token of tokenizeZpl(decoded.text)) {
    const at = `at offset ${token.offset}`
    if (token.kind === "stray") {
      problems.push(`text outside any command ${at}: "${token.text.slice(0, 20)}"`)
      continue
    }
    if (token.kind === "field") {
      if (!inFormat) problems.push(`^FD outside ^XA...^XZ ${at}`)
      if (!token.closed) problems.push(`^FD ${at} is not closed by ^FS`)
      else if (/[\^~]/.test(token.data)) problems.push(`field data ${at} contains a raw ^ or ~ (escape it with ^FH)`)
      continue
    }
    if (!KNOWN_ZPL_COMMANDS.has(token.name)) {
      problems.push(`unknown command ${token.name} ${at}`)
      continue
    }
    if (PARAMETERLESS.has(token.name) && token.params.trim() !== "") {
      problems.push(`unexpected text "${token.params.slice(0, 20)}" after ${token.name} ${at}`)
    }
    if (token.name === "^XA") {
      if (inFormat) problems.push(`^XA ${at} inside a format that was not ended with ^XZ`)
      inFormat = true
      formats++
    } else if (token.name === "^XZ") {
      if (!inFormat) problems.push(`^XZ ${at} without a matching ^XA`)
      inFormat = false
    } else if (!inFormat && token.name.startsWith("^")) {
      problems.push(`${token.name} ${at} outside ^XA...^XZ`)
    }
  }
  if (inFormat) problems.push("the last format is not ended with ^XZ")
  if (formats === 0 && problems.length === 0) problems.push("no ^XA...^XZ format in the job")
  return problems
}
