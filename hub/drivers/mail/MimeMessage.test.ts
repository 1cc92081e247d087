import { Effect } from "effect"
import fc from "fast-check"
import { type AddressObject, simpleParser } from "mailparser"
import { describe, expect, it } from "vitest"
import type { OutgoingMail } from "../../core/notify/Mailer.ts"
import {
  composeMime as composeOrProblem,
  composeOrRefuse,
  mailDate,
  mimeProblem,
  parseMailbox,
  quotedPrintable
} from "./MimeMessage.ts"

/** The composed text of a mail that has no problem. */
const composeMime = (mail: OutgoingMail, date: Date): string => {
  const composed = composeOrProblem(mail, date)
  if ("problem" in composed) throw new Error(composed.problem)
  return composed.raw
}

const DATE = new Date(Date.UTC(2026, 11, 5, 2, 30, 7))

const mail: OutgoingMail = {
  messageId: "<n-umlaut@notify.packbench>",
  from: "Alpenglow Größen <shop@alpenglow.test>",
  to: "jürgen@example.test",
  subject: "Deine Bestellung SO-1 ist unterwegs – Grüße aus Köln",
  text: "Hallo Jürgen,\n.\nein Punkt allein auf einer Zeile bleibt stehen.",
  html: '<p>Hallo Jürgen, <a href="https://track.test/t/abc?x=1&amp;y=2">schöne Grüße</a></p>',
  language: "de",
  unsubscribeUrl: "https://track.test/u/token-1"
}

/** The message as a mail program reads it (mailparser, as the test SMTP server uses it). */
const parse = (raw: string) => simpleParser(Buffer.from(raw, "utf8"))
const fromOf = (parsed: Awaited<ReturnType<typeof parse>>) => (parsed.from as AddressObject).value[0]
/** mailparser gives a part's text with LF line breaks and without the part's last line break. */
const asRead = (text: string) => text.replace(/\r\n|\r/g, "\n")

// The oracle: RFC 2045 §6.7 applied to each UTF-8 byte in turn, the straightforward way.
const byteByByte = (text: string) => {
  const bytes = Buffer.from(text, "utf8")
  let out = ""
  let line = 0
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!
    if (byte === 13 || byte === 10) {
      if (byte === 13 && bytes[index + 1] === 10) index++
      out += "\r\n"
      line = 0
      continue
    }
    const next = bytes[index + 1]
    const lineEnds = next === undefined || next === 13 || next === 10
    const pieceAt = (column: number) =>
      (byte > 32 && byte < 127 && byte !== 61 && !(byte === 46 && column === 0)) ||
      ((byte === 32 || byte === 9) && !lineEnds)
        ? String.fromCharCode(byte)
        : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`
    let piece = pieceAt(line)
    if (line + piece.length > 75) {
      out += "=\r\n"
      line = 0
      // A "." that now starts a line is escaped like any other at a line's start.
      piece = pieceAt(0)
    }
    out += piece
    line += piece.length
  }
  return out
}

describe("composing a mail", () => {
  it("reads back, in a mail program, as the fields it was made of", async () => {
    const raw = composeMime(mail, DATE)
    const parsed = await parse(raw)
    expect(parsed.subject).toBe(mail.subject)
    expect(fromOf(parsed)).toEqual({ name: "Alpenglow Größen", address: "shop@alpenglow.test" })
    expect((parsed.to as AddressObject).value[0]?.address).toBe("jürgen@example.test")
    expect(parsed.messageId).toBe("<n-umlaut@notify.packbench>")
    expect(parsed.date?.toISOString()).toBe("2026-12-05T02:30:07.000Z")
    expect(parsed.headers.get("content-language")).toBe("de")
    expect(parsed.headers.get("mime-version")).toBe("1.0")
    const lines = Object.fromEntries(parsed.headerLines.map((header) => [header.key, header.line]))
    expect(lines["list-unsubscribe"]).toBe("List-Unsubscribe: <https://track.test/u/token-1>")
    expect(lines["list-unsubscribe-post"]).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    expect(parsed.text).toBe(mail.text)
    expect(parsed.html).toBe(mail.html)
    expect(raw).toContain("Date: Sat, 05 Dec 2026 02:30:07 +0000\r\n")
    expect(composeOrProblem(mail, DATE)).toMatchObject({ sender: "shop@alpenglow.test" })
  })

  it("writes CRLF line breaks only, headers within 78 characters, encoded lines within 76, and 7-bit text but the address", () => {
    const long = {
      ...mail,
      subject: `${"Sehr lange Betreffzeile mit Umlauten äöü ".repeat(6)}Ende`,
      text: `${"x".repeat(300)}\n${"ü".repeat(100)}\n   trailing spaces   \n\tand tabs\t\n`,
      html: `<p>${"Grüße ".repeat(80)}</p>`
    }
    const raw = composeMime(long, DATE)
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/)
    const [head, ...bodies] = raw.split("\r\n\r\n")
    for (const line of head!.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78)
    for (const line of bodies.join("\r\n").split("\r\n")) expect(line.length).toBeLessThanOrEqual(76)
    // No line of a part ends in a space or tab (a relay may strip them): they are written "=20" and "=09".
    for (const line of bodies.join("\r\n").split("\r\n")) expect(line).not.toMatch(/[ \t]$/)
    expect(raw.replace("jürgen@example.test", "")).toMatch(/^[\x20-\x7e\t\r\n]*$/)
  })

  it("reads back any subject, sender name, text and HTML as they were (line breaks as LF, controls in a subject as spaces)", async () => {
    const text = fc.string({ unit: "grapheme", maxLength: 300 })
    const withBreaks = fc
      .array(fc.oneof(text, fc.constantFrom("\n", "\r\n", "\r", ".", " ", "\t", "=", "--=_pb_x", "From ")), {
        maxLength: 12
      })
      .map((pieces) => pieces.join(""))
      // mailparser reads an empty part as "\n" (text) or nothing (HTML); a notification's parts are never empty.
      .filter((body) => body !== "")
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 120 }),
        fc.string({ unit: "grapheme", maxLength: 60 }),
        withBreaks,
        withBreaks,
        async (subject, name, body, html) => {
          const cleanName = name.replace(/[<>\r\n"\\]/g, "").trim()
          const parsed = await parse(
            composeMime(
              {
                ...mail,
                subject,
                from: cleanName === "" ? "shop@alpenglow.test" : `${cleanName} <shop@alpenglow.test>`,
                text: body,
                html
              },
              DATE
            )
          )
          expect(parsed.subject ?? "").toBe(subject.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, " "))
          expect(fromOf(parsed)?.address).toBe("shop@alpenglow.test")
          expect(fromOf(parsed)?.name ?? "").toBe(cleanName.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, " ").trim())
          expect(parsed.text ?? "").toBe(asRead(body))
          expect(parsed.html).toBe(asRead(html))
        }
      ),
      { numRuns: 300 }
    )
  })

  it("keeps a subject's or sender name's line break from becoming a header", async () => {
    const parsed = await parse(
      composeMime(
        { ...mail, subject: "Hallo\r\nBcc: spy@evil.example\r\n\r\nbody", from: "Shop <shop@alpenglow.test>" },
        DATE
      )
    )
    expect(parsed.headers.has("bcc")).toBe(false)
    expect(parsed.subject).toBe("Hallo  Bcc: spy@evil.example    body")
    expect(parseMailbox("Shop\r\nBcc: spy@evil.example <shop@alpenglow.test>")).toBeUndefined()
  })

  it("takes a quoted sender name without its quotes, and quotes a name with specials", async () => {
    expect(parseMailbox('"Alpenglow, Köln" <shop@alpenglow.test>')).toEqual({
      name: "Alpenglow, Köln",
      address: "shop@alpenglow.test"
    })
    const parsed = await parse(composeMime({ ...mail, from: '"Alpenglow (Shop), \\"Nord\\"" <a@b.test>' }, DATE))
    expect(fromOf(parsed)).toEqual({ name: 'Alpenglow (Shop), "Nord"', address: "a@b.test" })
  })

  it("refuses fields that cannot be headers, and composes nothing then", () => {
    const problems = [
      { ...mail, to: "a@example.test\r\nBcc: spy@evil.example" },
      { ...mail, to: "a@example.test, b@example.test" },
      { ...mail, from: "Shop <not an address>" },
      { ...mail, messageId: "<n-1@notify.packbench>\r\nBcc: x" },
      { ...mail, messageId: "n-1@notify.packbench" },
      { ...mail, language: "de\r\nBcc: x" },
      { ...mail, unsubscribeUrl: "https://track.test/u/a> <mailto:x@evil.example" },
      { ...mail, unsubscribeUrl: "javascript:alert(1)" }
    ]
    for (const each of problems) {
      expect(mimeProblem(each)).toBeDefined()
      expect(composeOrProblem(each, DATE)).toEqual({ problem: mimeProblem(each) })
      // A Mailer gets it as a permanent refusal: sending it again cannot help.
      const refused = Effect.runSync(Effect.flip(composeOrRefuse(each, DATE)))
      expect(refused).toMatchObject({ reason: "Rejected", permanent: true, message: mimeProblem(each) })
    }
    expect(mimeProblem(mail)).toBeUndefined()
  })

  it("writes quoted-printable by RFC 2045's rules", () => {
    expect(quotedPrintable("a=b\n.dot\r\n end \r")).toBe("a=3Db\r\n=2Edot\r\n end=20\r\n")
    expect(quotedPrintable("ä")).toBe("=C3=A4")
    // A "." a soft break puts at a line's start is escaped too; a lone surrogate is U+FFFD, as Buffer encodes it.
    expect(quotedPrintable(`${"x".repeat(75)}.`)).toBe(`${"x".repeat(75)}=\r\n=2E`)
    expect(quotedPrintable("\ud800")).toBe("=EF=BF=BD")
    // A soft break never splits an "=XX": 25 "ä" are 50 escapes of three characters, 25 to a line.
    const lines = quotedPrintable("ä".repeat(25)).split("\r\n")
    expect(lines.map((line) => line.length)).toEqual([76, 75])
    expect(lines.every((line) => /^(?:=[0-9A-F]{2})*=?$/.test(line))).toBe(true)
  })

  it("writes quoted-printable as the rules applied byte by byte would, whatever the text", () => {
    const pieces = fc.oneof(
      fc.string({ unit: "binary", maxLength: 90 }),
      fc.constantFrom(
        ".",
        "..",
        " ",
        "\t",
        "=",
        "\r",
        "\n",
        "\r\n",
        "ä",
        "😀",
        "\ud800",
        "x".repeat(74),
        "x".repeat(75)
      )
    )
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
        const text = parts.join("")
        expect(quotedPrintable(text)).toBe(byteByByte(text))
      }),
      { numRuns: 2_000 }
    )
  })

  it("writes a long text as it writes a short one, past the buffers it keeps between mails", () => {
    // Every byte escaped (4-byte characters) and lines of 73 (a soft break where an escape no longer fits): the most
    // a text can grow; and texts longer than the kept buffers hold.
    for (const text of ["😀".repeat(40_000), `${"x".repeat(73)}=`.repeat(3_000), "ä. \r\n".repeat(20_000)]) {
      expect(quotedPrintable(text)).toBe(byteByByte(text))
    }
    expect(quotedPrintable("short ä")).toBe(byteByByte("short ä"))
  })

  it("dates in RFC 5322's form, in UTC", () => {
    expect(mailDate(new Date(Date.UTC(2027, 0, 1, 0, 0, 0)))).toBe("Fri, 01 Jan 2027 00:00:00 +0000")
  })
})
