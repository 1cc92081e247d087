import { describe, expect, it } from "vitest"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { scanCommand } from "./scan.ts"

const run = async (argv: ReadonlyArray<string>, stdinText?: string) => {
  const captured = capturedIo({
    cwd: "/",
    ...(stdinText === undefined ? {} : { stdin: Buffer.from(stdinText, "latin1") })
  })
  const code = await scanCommand.run(argv, captured.io)
  const { out, err } = captured.output()
  return { code, lines: out.split("\n").filter((l) => l !== ""), err }
}

describe("packbench scan", () => {
  it("identifies each argument and prints one JSON object per line, exit 0 when any scan was valid", async () => {
    const { code, lines } = await run(["4006381333931", "hello"])
    expect(code).toBe(0)
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { input: "4006381333931", kind: "gtin", valid: true, gtin: "04006381333931" },
      { input: "hello", kind: "unknown", valid: false, reason: expect.any(String) }
    ])
    expect(lines[0]).toBe('{"input":"4006381333931","kind":"gtin","valid":true,"gtin":"04006381333931"}')
  })

  it("reads one scan per stdin line, with GS bytes and CRLF, skipping blank lines", async () => {
    const { code, lines } = await run([], "]C10109506000134352\x1d10A\x1d17251231\r\n\r\n1Z5R89390357567127\nPB:X")
    expect(code).toBe(0)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toContain('"input":"]C10109506000134352\\u001d10A\\u001d17251231"')
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: "gs1", valid: true })
    expect(JSON.parse(lines[1]!)).toMatchObject({ kind: "tracking", carrier: "ups" })
    expect(JSON.parse(lines[2]!)).toMatchObject({ kind: "unknown" })
  })

  it("passes --expect-tracking and --carriers to identification", async () => {
    const plain = await run(["00340434161094042557"])
    expect(JSON.parse(plain.lines[0]!)).toMatchObject({ kind: "sscc" })
    const tracking = await run(["--expect-tracking", "--carriers=usps,ups", "00340434161094042557"])
    expect(JSON.parse(tracking.lines[0]!)).toMatchObject({ kind: "tracking", carrier: "usps", format: "usps_20" })
    const dashed = await run(["--", "--not-a-flag"])
    expect(JSON.parse(dashed.lines[0]!)).toMatchObject({ input: "--not-a-flag", kind: "unknown" })
  })

  it("prints usage for -h and --help instead of scanning them, and identifies '-h' after --", async () => {
    for (const flag of ["-h", "--help"]) {
      const { code, lines, err } = await run([flag, "4006381333931"])
      expect(code).toBe(0)
      expect(err).toBe("")
      expect(lines[0]).toMatch(/^usage: packbench scan /)
      expect(lines.join("\n")).toMatch(/--carriers=ID/)
      expect(lines.some((line) => line.startsWith("{"))).toBe(false)
    }
    const scanned = await run(["--", "-h"])
    expect(JSON.parse(scanned.lines[0]!)).toMatchObject({ input: "-h", kind: "unknown" })
    expect((await run(["-x"])).code).toBe(2)
  })

  it("exits 1 when every scan was invalid, from arguments or stdin, and 0 when any was valid", async () => {
    expect((await run(["hello", "1Z5R89390357567128"])).code).toBe(1)
    expect((await run([], "hello\n4006381333932\n")).code).toBe(1)
    expect((await run([], "hello\n1z5r 8939 0357 5671 27\n")).code).toBe(0)
    expect((await run([], "")).code).toBe(0)
  })

  it("accepts the same normalised forms as manual entry: spaces, dashes, lower case", async () => {
    const { code, lines } = await run(["1z5r-8939-0357-5671-27", "4 006381 333931"])
    expect(code).toBe(0)
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { kind: "tracking", carrier: "ups", number: "1Z5R89390357567127" },
      { kind: "gtin", gtin: "04006381333931" }
    ])
  })

  it("identifies Canpar, GOFO, Old Dominion and Canada Post numbers as printed, with their check digits and pages", async () => {
    const { code, lines } = await run([
      "D576 0024 4000 0001 7180 10",
      "gfus01011884214464",
      "072 0956276 3",
      "0073 9380 0054 9297"
    ])
    expect(code).toBe(0)
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { kind: "tracking", valid: true, carrier: "canpar", number: "D576002440000001718010", checkDigit: "none" },
      { kind: "tracking", valid: true, carrier: "gofo", number: "GFUS01011884214464" },
      { kind: "tracking", valid: true, carrier: "old-dominion", checkDigit: "ok", trackingUrl: /odfl\.com/ },
      { kind: "tracking", valid: true, carrier: "canada-post", format: "canada_post", checkDigit: "ok" }
    ])
    expect(lines[3]).not.toContain("checkDigitNotVerified")
    // A Canada Post PIN with a wrong check digit is refused (exit 1: every scan invalid), naming the right digit.
    const wrong = await run(["--carriers=canada-post", "0073 9380 0054 9292"])
    expect(wrong.code).toBe(1)
    expect(JSON.parse(wrong.lines[0]!)).toMatchObject({ carrier: "canada-post", valid: false, reason: /should be 7$/ })
    const named = await run(["--carriers=canpar,gofo,old-dominion,canada-post", "80003280379"])
    expect(JSON.parse(named.lines[0]!)).toMatchObject({
      carrier: "old-dominion",
      format: "old_dominion_guaranteed_shipment"
    })
  })

  it("exits 2 with a clear message for an unknown flag or carrier", async () => {
    const flag = await run(["--nope"])
    expect(flag.code).toBe(2)
    expect(flag.err).toMatch(/unknown option "--nope"/)
    const carrier = await run(["--carriers=ups,pony"])
    expect(carrier.code).toBe(2)
    expect(carrier.err).toMatch(/unknown carrier "pony"/)
  })
})
