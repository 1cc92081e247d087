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

const decodeTransfer = (body: string, encoding: string | undefined): string => {
  switch (encoding?.toLowerCase()) {
    case "quoted-printable": {
      // RFC 2045 §6.7: "=" at a line end is a soft break, "=XX" one byte; the bytes are then UTF-8.
      const joined = body.replace(/=\r?\n/g, "")
      const bytes: Array<number> = []
      for (let i = 0; i < joined.length; i++) {
        const hex = joined[i] === "=" ? /^[0-9A-F]{2}$/i.exec(joined.slice(i + 1, i + 3)) : null
        if (hex !== null) {
          bytes.push(Number.parseInt(hex[0], 16))
          i += 2
        } else bytes.push(...Buffer.from(joined[i] ?? "", "utf8"))
      }
      return Buffer.from(bytes).toString("utf8")
    }
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
    default:
      return body
  }
}

/** A header value with RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) decoded, as mail programs show it. */
export const decodeHeader = (value: string): string =>
  value
    .replace(/(=\?[^?]+\?[QB]\?[^?]*\?=)\s+(?==\?)/gi, "$1")
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : decodeTransfer(text.replace(/_/g, " "), "quoted-printable")
    )

/**
 * The decoded body of the message's part of type `type` (`text/plain`, `text/html`): what a mail program shows.
 * Handles a single-part message and one level of multipart (nodemailer's multipart/alternative).
 */
export const bodyOf = (raw: string, type: "text/plain" | "text/html"): string | undefined => {
  const headers = parseHeaders(raw)
  const rest = (text: string) => text.slice((/\r?\n\r?\n/.exec(text)?.index ?? text.length) + 2).replace(/^\n/, "")
  const boundary = /boundary="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1]
  if (boundary === undefined) {
    return (headers["content-type"] ?? "text/plain").startsWith(type)
      ? decodeTransfer(rest(raw), headers["content-transfer-encoding"])
      : undefined
  }
  for (const part of raw.split(`--${boundary}`).slice(1)) {
    const partHeaders = parseHeaders(part.replace(/^\r?\n/, ""))
    if ((partHeaders["content-type"] ?? "").startsWith(type)) {
      return decodeTransfer(
        rest(part.replace(/^\r?\n/, "")).replace(/\r?\n$/, ""),
        partHeaders["content-transfer-encoding"]
      )
    }
  }
  return undefined
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
