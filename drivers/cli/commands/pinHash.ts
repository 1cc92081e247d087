/** The `packbench pin-hash` command: turns a manager's PIN into the badge list's hash. */
import { hashPin } from "../../session/ScryptPinHashes.ts"
import { type Command, writeLine } from "../Command.ts"

const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString("utf8")
}

/**
 * Turns a manager's PIN into the `pinHash` of the badge list. The PIN is read from stdin, never from the command
 * line (where `ps` and the shell history would keep it).
 */
export const pinHashCommand: Command = {
  name: "pin-hash",
  usage: "pin-hash  (reads the PIN, 4 to 12 digits, from stdin)",
  summary: "print the scrypt hash of a manager's PIN, for the pinHash of a badge in the badge list",
  run: async (argv, io) => {
    if (argv.length > 0) {
      await writeLine(
        io.stderr,
        `packbench pin-hash: unexpected ${argv.join(" ")}\nusage: packbench ${pinHashCommand.usage}`
      )
      return 2
    }
    const pin = (await readAll(io.stdin)).trim()
    if (!/^\d{4,12}$/.test(pin)) {
      await writeLine(io.stderr, "packbench pin-hash: a PIN is 4 to 12 digits (read from stdin)")
      return 1
    }
    await writeLine(io.stdout, hashPin(pin))
    return 0
  }
}
