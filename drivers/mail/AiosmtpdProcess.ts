import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, waitForPort } from "../net/LoopbackPort.ts"

export interface ReceivedMail {
  readonly file: string
  /** Header names lower-cased; folded lines joined. */
  readonly headers: Readonly<Record<string, string>>
  readonly raw: string
}

/** Parses the header block of an RFC 5322 message: enough for tests to check recipient, subject and ids. */
export const parseHeaders = (raw: string): Readonly<Record<string, string>> => {
  const block = raw.split(/\r?\n\r?\n/, 1)[0] ?? ""
  const headers: Record<string, string> = {}
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":")
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return headers
}

/**
 * A real SMTP server for tests and benches: Debian's python3-aiosmtpd with its Maildir handler on a free
 * loopback port. A message is in `new/` once the server answered 250 to DATA, so what `messages` returns is
 * exactly what the server accepted. The system python runs it: pyenv's interpreters do not have the package.
 */
export const startAiosmtpd = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pb-smtp-"))
  const maildir = join(dir, "Maildir")
  const port = await freePort()
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"
  const child: ChildProcess = spawn(
    python,
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", maildir],
    { stdio: "ignore" }
  )
  await Promise.race([
    waitForPort(port, 10_000, "aiosmtpd"),
    new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`aiosmtpd exited with ${code}`))))
  ])
  const messages = (): ReadonlyArray<ReceivedMail> => {
    const folder = join(maildir, "new")
    if (!existsSync(folder)) return []
    return readdirSync(folder)
      .sort()
      .map((file) => {
        const raw = readFileSync(join(folder, file), "utf8")
        return { file, raw, headers: parseHeaders(raw) }
      })
  }
  /** How many messages were accepted, without reading them: cheap enough to poll in a bench. */
  const count = (): number => {
    const folder = join(maildir, "new")
    return existsSync(folder) ? readdirSync(folder).length : 0
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  return { url: `smtp://127.0.0.1:${port}`, port, maildir, messages, count, stop }
}
