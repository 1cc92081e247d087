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

describe("packbench hub --notify-webhook", () => {
  const shopHook = ["--notify-webhook", "https://shop.example/packbench"]

  it("refuses to sign the shop's webhooks with the carriers' secret, which would let the shop forge carrier scans", async () => {
    const unset = await runHubCommand(shopHook)
    expect(unset.code).toBe(1)
    expect(unset.err).toContain("set PACKBENCH_HUB_NOTIFY_SECRET (16+ characters, not the carriers'")
    const same = await runHubCommand(shopHook, { PACKBENCH_HUB_NOTIFY_SECRET: "0123456789abcdef" })
    expect(same.code).toBe(1)
    expect(same.err).toContain("PACKBENCH_HUB_NOTIFY_SECRET must have 16+ characters and differ from")
    const short = await runHubCommand([], { PACKBENCH_HUB_NOTIFY_SECRET: "short" })
    expect(short.code).toBe(1)
    expect(short.err).toContain("PACKBENCH_HUB_NOTIFY_SECRET must have 16+ characters")
  })

  it("rejects a webhook address that is not an http(s) URL as a usage error", async () => {
    const { code, err } = await runHubCommand(["--notify-webhook", "shop.example/hooks"], {
      PACKBENCH_HUB_NOTIFY_SECRET: "another-secret-0123456789"
    })
    expect(code).toBe(2)
    expect(err).toContain('--notify-webhook: "shop.example/hooks" is not an http(s):// URL')
  })
})
