import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { capturedIo } from "../../fixtures/cli/capturedIo.ts"
import { runCommand } from "./main.ts"

const run = async (argv: ReadonlyArray<string>) => {
  const captured = capturedIo({ cwd: "/" })
  const code = await runCommand(argv, captured.io)
  return { code, ...captured.output() }
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
