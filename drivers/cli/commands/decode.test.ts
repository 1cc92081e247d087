import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encodePng, sampleBarcodes, syntheticFrame } from "../../../fixtures/camera/syntheticFrame.ts"
import { decodeCommand } from "./decode.ts"

const run = async (argv: ReadonlyArray<string>, cwd: string) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ""
  let err = ""
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString()
  })
  const code = await decodeCommand.run(argv, { stdin: new PassThrough(), stdout, stderr, env: {}, cwd })
  return {
    code,
    lines: out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
    err
  }
}

describe("packbench decode", () => {
  let directory: string
  const qr = sampleBarcodes.find((barcode) => barcode.format === "QR_CODE")!

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "packbench-decode-"))
    await writeFile(
      join(directory, "qr.png"),
      encodePng(await syntheticFrame({ ...qr, rotate: "R" }, 3, 640, 480, "plain"))
    )
    await writeFile(join(directory, "junk.png"), "not an image")
  })
  afterAll(() => rm(directory, { recursive: true, force: true }))

  it("prints one JSON line per file, with an error line for unreadable files, and exits 0", async () => {
    for (const decoder of ["zxing-wasm", "zxing-js"]) {
      const { code, lines } = await run(["--decoder", decoder, "qr.png", "junk.png", "missing.png"], directory)
      expect(code).toBe(0)
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatchObject({ file: "qr.png", results: [{ format: "QR_CODE", text: qr.text }] })
      const results = lines[0]?.results as ReadonlyArray<{ readonly points: ReadonlyArray<unknown> }> | undefined
      expect(results?.[0]?.points.length).toBeGreaterThanOrEqual(3)
      expect(lines[1]).toEqual({ file: "junk.png", error: "not a PNG or JPEG image (unknown file signature)" })
      expect(lines[2]).toEqual({ file: "missing.png", error: "cannot read file: ENOENT" })
    }
  })

  it("exits 2 with a usage message for bad arguments", async () => {
    expect(await run([], directory)).toMatchObject({ code: 2, err: expect.stringMatching(/no image files/) })
    expect(await run(["--decoder", "opencv", "qr.png"], directory)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--decoder must be zxing-js or zxing-wasm, got opencv/)
    })
    expect(await run(["--fast", "qr.png"], directory)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown option --fast/)
    })
  })
})
