import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { hubCommand } from "./hubCommand.ts"

const runHubCommand = async (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ""
  let err = ""
  stdout.on("data", (chunk) => {
    out += String(chunk)
  })
  stderr.on("data", (chunk) => {
    err += String(chunk)
  })
  const code = await hubCommand.run([...argv], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { PACKBENCH_HUB_WEBHOOK_SECRET: "0123456789abcdef", ...env },
    cwd: mkdtempSync(join(tmpdir(), "pb-hub-cli-"))
  })
  return { code, out, err }
}

describe("packbench hub --db", () => {
  it("refuses to start when PostgreSQL is unreachable, naming the server but not the password", async () => {
    const port = await freePort()
    const { code, err } = await runHubCommand([
      "--db",
      `postgres://hub:s3cret@127.0.0.1:${port}/hub`,
      "--port",
      "0",
      "--broker",
      `mqtt://127.0.0.1:${await freePort()}`
    ])
    expect(code).toBe(1)
    expect(err).toContain(`packbench hub: did not start: cannot use PostgreSQL at 127.0.0.1:${port}/hub`)
    expect(err).toContain("ECONNREFUSED")
    expect(err).not.toContain("s3cret")
  })

  it("rejects a database URL of another kind as a usage error", async () => {
    const { code, err } = await runHubCommand(["--db", "mysql://127.0.0.1/hub"])
    expect(code).toBe(2)
    expect(err).toContain("--db takes a postgres:// URL or a SQLite file path, not mysql://")
  })
})
