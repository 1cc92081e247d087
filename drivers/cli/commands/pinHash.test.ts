import { describe, expect, it } from "vitest"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { verifyPin } from "../../session/ScryptPinHashes.ts"
import { pinHashCommand } from "./pinHash.ts"

const run = async (argv: ReadonlyArray<string>, stdinText: string) => {
  const captured = capturedIo({ stdin: stdinText, cwd: "/" })
  const code = await pinHashCommand.run(argv, captured.io)
  const { out, err } = captured.output()
  return { code, out: out.trim(), err }
}

describe("packbench pin-hash", () => {
  it("prints a salted scrypt hash of the PIN on stdin that verifies, and differs each time", async () => {
    const first = await run([], "2468\n")
    const second = await run([], "2468")
    expect(first.code).toBe(0)
    expect(first.out).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(second.out).not.toBe(first.out)
    expect(await verifyPin("2468", first.out)).toBe(true)
    expect(await verifyPin("2469", first.out)).toBe(false)
  })

  it("refuses what is not a PIN, and a PIN on the command line", async () => {
    expect(await run([], "12a4")).toMatchObject({ code: 1, out: "" })
    expect(await run([], "123")).toMatchObject({ code: 1 })
    expect(await run(["4711"], "")).toMatchObject({ code: 2, out: "" })
  })
})
