import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { hubCommand } from "./hubCommand.ts"

const runHubCommand = async (
  argv: ReadonlyArray<string>,
  env: Record<string, string> = {},
  cwd = mkdtempSync(join(tmpdir(), "pb-hub-cli-"))
) => {
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
    cwd
  })
  return { code, out, err, cwd }
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

describe("packbench hub refuses a bad setting before it creates anything", () => {
  const lastLine = (text: string) =>
    text
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith("usage:"))
      .at(-1)

  it.each([
    { argv: ["--broker", "foo"], says: '--broker: "foo" is not an mqtt://, mqtts://, ws:// or wss:// URL' },
    {
      argv: ["--broker", "mqtt://127.0.0.1:70000"],
      says: '--broker: "mqtt://127.0.0.1:70000": port 70000 is above 65535: no server listens there'
    },
    { argv: ["--smtp", "nonsense"], says: '--smtp: "nonsense" is not an smtp:// or smtps:// URL' },
    {
      argv: ["--smtp", "smtp://mail.example:0"],
      says: '--smtp: "smtp://mail.example:0": port 0 names no server: give the port the server listens on'
    },
    {
      argv: ["--smtp", "smtp://mailer:SMTPSECRET@mail.example:0"],
      says: '--smtp: "smtp://mailer:***@mail.example:0": port 0 names no server: give the port the server listens on'
    },
    {
      argv: ["--public-url", "hub.example.com"],
      says: '--public-url: "hub.example.com" is not an http:// or https:// URL'
    },
    { argv: ["--port", "1e3"], says: '--port takes a port number from 0 to 65535, got "1e3"' },
    { argv: ["--port", "65536"], says: '--port takes a port number from 0 to 65535, got "65536"' },
    { argv: ["--host", "not a host"], says: '--host: "not a host" is not a host name or IP address' },
    {
      argv: ["--shared-group", "hubs/#"],
      says: '--shared-group: "hubs/#" is not a group name (1 to 64 letters, digits, - and _)'
    },
    {
      argv: ["--db", "mysql://127.0.0.1/hub"],
      says: "--db takes a postgres:// URL or a SQLite file path, not mysql://"
    }
  ])("$argv", async ({ argv, says }) => {
    const { code, err, cwd } = await runHubCommand(argv)
    expect(code, err).toBe(2)
    expect(lastLine(err)).toBe(`packbench hub: ${says}`)
    expect(readdirSync(cwd)).toEqual([])
  })

  it("bounds a bad value it quotes to one line of at most 120 characters", async () => {
    const { code, err } = await runHubCommand(["--broker", `mqtt://a\n${"b".repeat(5000)}`])
    expect(code).toBe(2)
    expect(lastLine(err)).toMatch(/^packbench hub: --broker: "mqtt:\/\/a b+…" is not an mqtt:\/\//)
    expect(lastLine(err)?.length).toBeLessThan(300)
  })

  it("bounds a bad carrier feed or webhook address it quotes the same way", async () => {
    const feed = await runHubCommand(["--carrier-feeds", `dhl=ftp://a\n${"b".repeat(5000)}`])
    expect(feed.code).toBe(2)
    expect(lastLine(feed.err)).toMatch(/^packbench hub: --carrier-feeds: "dhl=ftp:\/\/a b+…" is not CARRIER=http/)
    expect(lastLine(feed.err)?.length).toBeLessThan(300)
    const hook = await runHubCommand(["--notify-webhook", `shop.example\n${"c".repeat(5000)}`], {
      PACKBENCH_HUB_NOTIFY_SECRET: "another-secret-0123456789"
    })
    expect(hook.code).toBe(2)
    expect(lastLine(hook.err)).toMatch(/^packbench hub: --notify-webhook: "shop.example c+…" is not an http/)
    expect(lastLine(hook.err)?.length).toBeLessThan(300)
  })

  it("refuses an empty PACKBENCH_HUB_DATA_DIR (a variable that was not set) instead of running in the working directory", async () => {
    const { code, err, cwd } = await runHubCommand(["--port", "0"], { PACKBENCH_HUB_DATA_DIR: "" })
    expect(code, err).toBe(2)
    expect(lastLine(err)).toBe(
      "packbench hub: PACKBENCH_HUB_DATA_DIR is set but empty: name the hub's data dir, or unset it"
    )
    expect(readdirSync(cwd)).toEqual([])
  })

  it("names the data dir it cannot create, in one line", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pb-hub-cli-"))
    writeFileSync(join(cwd, "a-file"), "")
    const { code, err } = await runHubCommand(["--data-dir", "a-file/hub"], {}, cwd)
    expect(code, err).toBe(1)
    expect(lastLine(err)).toMatch(
      new RegExp(`^packbench hub: cannot create the data dir ${join(cwd, "a-file/hub")} \\(--data-dir\\): ENOTDIR`)
    )
    expect(readdirSync(cwd)).toEqual(["a-file"])
  })

  it("refuses a metrics token file that holds no usable token in one line, and a bad configured token before making the data dir", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pb-hub-cli-"))
    mkdirSync(join(cwd, "hub"))
    writeFileSync(join(cwd, "hub", "metrics-token"), "short\n")
    const broker = ["--broker", `mqtt://127.0.0.1:${await freePort()}`, "--port", "0", "--data-dir", "hub"]
    const unusable = await runHubCommand(broker, {}, cwd)
    expect(unusable.code, unusable.err).toBe(1)
    expect(lastLine(unusable.err)).toBe(
      `packbench hub: cannot use the metrics token in ${join(cwd, "hub", "metrics-token")}: ${join(cwd, "hub", "metrics-token")} holds no usable secret (fewer than 16 characters): remove it to have a new one made`
    )
    const configured = await runHubCommand(broker.slice(0, -2), { PACKBENCH_HUB_METRICS_TOKEN: "short" })
    expect(configured.code, configured.err).toBe(1)
    expect(lastLine(configured.err)).toBe(
      "packbench hub: hub.metricsToken (PACKBENCH_HUB_METRICS_TOKEN) must be 16 to 256 printable characters without spaces"
    )
    expect(readdirSync(configured.cwd)).toEqual([])
  })
})
