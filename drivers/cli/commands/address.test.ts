import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import type { CommandIo } from "../Command.ts"
import { addressCommand } from "./address.ts"

const run = async (argv: ReadonlyArray<string>, input: string) => {
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const chunks = { out: "", err: "" }
  stdout.on("data", (chunk: Buffer) => {
    chunks.out += chunk.toString("utf8")
  })
  stderr.on("data", (chunk: Buffer) => {
    chunks.err += chunk.toString("utf8")
  })
  const io: CommandIo = { stdin, stdout, stderr, env: {}, cwd: process.cwd() }
  stdin.end(input)
  const code = await addressCommand.run(argv, io)
  const lines = chunks.out.split("\n").filter((line) => line !== "")
  return { code, results: lines.map((line) => JSON.parse(line) as unknown), stderr: chunks.err }
}

const berlin = {
  name: "Erika Mustermann",
  street1: "Heidestraße 17",
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
}

describe("packbench address check", () => {
  it("answers one JSON line per address and goes on after bad lines", async () => {
    const input = [
      JSON.stringify(berlin),
      "not json",
      "42",
      "",
      JSON.stringify({ ...berlin, postalCode: "1011" })
    ].join("\n")
    const { code, results, stderr } = await run(["check"], input)
    expect(code).toBe(1)
    expect(stderr).toContain("3 addresses failed the check")
    expect(results).toHaveLength(4)
    expect(results[0]).toEqual({
      ok: true,
      errors: [],
      formatted: ["Erika Mustermann", "Heidestraße 17", "10115 BERLIN", "GERMANY / DEUTSCHLAND"]
    })
    for (const bad of [results[1], results[2]]) {
      expect(bad).toMatchObject({ ok: false, errors: [{ field: "", code: "invalid-input" }], formatted: [] })
    }
    expect(results[1]).toMatchObject({ errors: [{ message: expect.stringContaining("not valid JSON") }] })
    expect(results[2]).toMatchObject({ errors: [{ message: expect.stringContaining("not a number") }] })
    expect(results[3]).toMatchObject({ ok: false, errors: [{ field: "postalCode", code: "postal-code-format" }] })
  })

  it("exits 0 only when every address passes", async () => {
    expect((await run(["check"], `${JSON.stringify(berlin)}\n${JSON.stringify(berlin)}\n`)).code).toBe(0)
    const { code, results } = await run(["check", "--locale", "de"], JSON.stringify({ ...berlin, city: "Hamburg" }))
    expect(code).toBe(1)
    expect(results[0]).toMatchObject({ ok: false, errors: [{ field: "city", code: "postal-code-city-mismatch" }] })
  })

  it("knows the station's carrier ids: DHL Paket takes a Packstation with a Postnummer, UPS does not", async () => {
    const packstation = { ...berlin, street1: "Packstation 123", street2: "Postnummer 12345678" }
    const dhl = await run(["check", "--carrier", "dhl-paket"], JSON.stringify(packstation))
    expect([dhl.code, dhl.results[0]]).toEqual([0, expect.objectContaining({ ok: true })])
    const ups = await run(["check", "--carrier", "ups"], JSON.stringify(packstation))
    expect(ups.code).toBe(1)
    expect(ups.results[0]).toMatchObject({ errors: [{ code: "po-box-refused" }] })
    const noPostnummer = await run(["check", "--carrier", "dhl-paket"], JSON.stringify({ ...packstation, street2: "" }))
    expect(noPostnummer.results[0]).toMatchObject({ ok: false, errors: [{ code: "postnummer-missing" }] })
  })

  it("applies --locale, --carrier and --origin", async () => {
    const packstation = { ...berlin, street1: "Packstation 123", street2: "Postnummer 12345678" }
    const { results } = await run(
      ["check", "--locale", "de", "--carrier", "dpd", "--origin", "de"],
      `${JSON.stringify(packstation)}\n`
    )
    expect(results[0]).toEqual({
      ok: false,
      errors: [
        {
          field: "street1",
          code: "po-box-refused",
          message:
            "DPD stellt nicht an Packstation oder Postfiliale zu: mit DHL versenden oder eine Hausanschrift erfragen."
        }
      ],
      formatted: ["Erika Mustermann", "Packstation 123", "Postnummer 12345678", "10115 BERLIN"]
    })
    expect((await run(["check", "--carrier", "dhl"], JSON.stringify(packstation))).results[0]).toMatchObject({
      ok: true
    })
  })

  it.each([
    [[], "missing sub-command"],
    [["verify"], 'unknown sub-command "verify"'],
    [["check", "--locale", "fr"], '--locale must be "de" or "en"'],
    [["check", "--carrier", "pigeon"], 'unknown carrier "pigeon"'],
    [["check", "--origin", "GER"], "--origin must be a two-letter country code"],
    [["check", "--origin"], "--origin needs a value"],
    [["check", "--verbose", "x"], 'unknown option "--verbose"']
  ])("exits 2 for usage errors: %j", async (argv, problem) => {
    const { code, stderr, results } = await run(argv, "")
    expect(code).toBe(2)
    expect(stderr).toContain(problem)
    expect(stderr).toContain("usage: packbench address check")
    expect(results).toEqual([])
  })
})
