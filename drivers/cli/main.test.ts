import { readFileSync } from "node:fs"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { runCommand } from "./main.ts"

const run = async (argv: ReadonlyArray<string>) => {
  const stdin = new PassThrough()
  stdin.end()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ""
  let err = ""
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8")
  })
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8")
  })
  const code = await runCommand(argv, { stdin, stdout, stderr, env: {}, cwd: "/" })
  return { code, out, err }
}

describe("packbench", () => {
  it("prints the package's version for --version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
    expect(await run(["--version"])).toEqual({ code: 0, out: `packbench ${version}\n`, err: "" })
  })

  it("routes scan --help to the command's usage rather than identifying it", async () => {
    const { code, out } = await run(["scan", "--help"])
    expect(code).toBe(0)
    expect(out).toMatch(/^usage: packbench scan/)
  })
})
