import { describe, expect, it } from "vitest"
import { parseFlags } from "./parseFlags.ts"

const kinds = { from: "string", follow: "boolean" } as const

describe("a command's flags", () => {
  it("reads --name value, --name=value and boolean flags, keeping the rest positional in order", () => {
    expect(parseFlags(["tail", "--from", "5", "--follow", "x", "--from=a=b"], kinds)).toEqual({
      ok: true,
      values: { from: "a=b", follow: true },
      positional: ["tail", "x"]
    })
  })

  it("keeps single-dash words and everything after -- as positional arguments, as written", () => {
    expect(parseFlags(["-5", "-abc", "--", "--from"], kinds)).toEqual({
      ok: true,
      values: {},
      positional: ["-5", "-abc", "--from"]
    })
  })

  it("takes a value that starts with a dash when a string option asks for one", () => {
    expect(parseFlags(["--from", "-5"], kinds)).toEqual({ ok: true, values: { from: "-5" }, positional: [] })
  })

  it("names an unknown option on one line and at most 60 characters of it: a pasted blob is no message", () => {
    const result = parseFlags([`--${"x".repeat(5_000)}\nforged: line`, "v"], kinds)
    expect(result).toEqual({ ok: false, message: `unknown option --${"x".repeat(59)}…` })
  })

  it("refuses an unknown option, a missing value and a value for a boolean, naming the option", () => {
    expect(parseFlags(["--zz", "v"], kinds)).toEqual({ ok: false, message: "unknown option --zz" })
    expect(parseFlags(["--from"], kinds)).toEqual({ ok: false, message: "--from needs a value" })
    expect(parseFlags(["--follow=1"], kinds)).toEqual({ ok: false, message: "--follow takes no value" })
  })

  it('refuses an empty value (`--from=`, `--from "$UNSET"`) rather than take it for the option left out', () => {
    const message = "--from needs a value, got an empty one"
    expect(parseFlags(["--from="], kinds)).toEqual({ ok: false, message })
    expect(parseFlags(["--from", ""], kinds)).toEqual({ ok: false, message })
  })
})
