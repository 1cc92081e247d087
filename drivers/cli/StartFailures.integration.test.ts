import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"

// A station that cannot start must end: a supervisor (systemd, Docker) reads the exit status and restarts it, and a
// process that prints an error and then idles looks alive for ever. Each case runs the real `packbench` command.

const CLI = fileURLToPath(new URL("./packbench.mjs", import.meta.url))
/** Far above a start that fails (a few seconds with tsx's loader on a loaded machine), far below "for ever". */
const EXIT_DEADLINE_MS = 30_000

interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const started: Array<ChildProcess> = []

const launch = (args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, PACKBENCH_HTTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  started.push(child)
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => {
    stdout += chunk
  })
  child.stderr.on("data", (chunk) => {
    stderr += chunk
  })
  // "close", not "exit": at "exit" the last of stdout and stderr may still be unread in the pipes; "close" comes once
  // the process has ended and both have been read to their end.
  const ended = new Promise<Ended>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, ended, output: () => ({ stdout, stderr }) }
}

/** The process's end, or a failure naming what it printed if it is still running at the deadline. */
const endOf = async (run: ReturnType<typeof launch>): Promise<Ended> => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill("SIGKILL")
      reject(new Error(`still running after ${EXIT_DEADLINE_MS} ms; stderr: ${run.output().stderr}`))
    }, EXIT_DEADLINE_MS)
  })
  try {
    return await Promise.race([run.ended, deadline])
  } finally {
    clearTimeout(timer)
  }
}

const waitForOutput = async (run: ReturnType<typeof launch>, text: string) => {
  const deadline = Date.now() + EXIT_DEADLINE_MS
  while (!run.output().stdout.includes(text)) {
    if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.output().stderr}`)
    if (Date.now() > deadline) throw new Error(`no "${text}" after ${EXIT_DEADLINE_MS} ms: ${run.output().stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const occupy = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve(server))
  })
const portOf = (server: Server) => (server.address() as { port: number }).port
const freePort = async () => {
  const server = await occupy()
  const port = portOf(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The last line the process printed on stderr: the one a person reads in `journalctl` or `docker logs`. */
const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? ""

describe("a station that cannot start says why and exits non-zero", () => {
  let cwd: string
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "pb-startfail-"))
  })
  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    rmSync(cwd, { recursive: true, force: true })
  })

  it.each([["serve"], ["simulate", "--orders", "1"]])("%s with the embedded broker's port taken", async (...args) => {
    const taken = await occupy()
    try {
      const ended = await endOf(
        launch(args, cwd, { PACKBENCH_EMBEDDED_BROKER_PORT: String(portOf(taken)), PACKBENCH_DATA_DIR: "data" })
      )
      expect(ended.code, ended.stderr).toBe(1)
      expect(lastLine(ended.stderr)).toContain("the port is in use")
      expect(existsSync(join(cwd, "data", "station.db"))).toBe(false)
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it("hub with its HTTP port taken, while the broker is down too", async () => {
    const taken = await occupy()
    try {
      const ended = await endOf(
        launch(["hub", "--broker", `mqtt://127.0.0.1:${await freePort()}`, "--port", String(portOf(taken))], cwd, {
          PACKBENCH_HUB_WEBHOOK_SECRET: "a-secret-of-sixteen-or-more"
        })
      )
      expect(ended.code, ended.stderr).toBe(1)
      expect(lastLine(ended.stderr)).toBe(
        `packbench hub: did not start: cannot listen on 127.0.0.1:${portOf(taken)}: the port is in use (--port)`
      )
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it("hub with a bad notify setting in the environment", async () => {
    const ended = await endOf(
      launch(["hub", "--port", String(await freePort())], cwd, {
        PACKBENCH_HUB_WEBHOOK_SECRET: "a-secret-of-sixteen-or-more",
        PACKBENCH_HUB_FEEDBACK_DELAY: "soon"
      })
    )
    expect(ended.code, ended.stderr).toBe(1)
    expect(ended.stderr).toContain("hub.notify.feedbackDelay (from PACKBENCH_HUB_FEEDBACK_DELAY)")
  })

  it("hub takes its SMTP server, port, public URL and database from the config and PACKBENCH_HUB_* as a station does", async () => {
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ hub: { smtpUrl: "smtp://mail.example:587", publicUrl: "https://hub.example" } })
    )
    const port = await freePort()
    const run = launch(["hub", "--broker", `mqtt://127.0.0.1:${await freePort()}`], cwd, {
      PACKBENCH_HUB_WEBHOOK_SECRET: "a-secret-of-sixteen-or-more",
      PACKBENCH_HUB_PORT: String(port),
      PACKBENCH_HUB_DATABASE_URL: join(cwd, "hub-file.db")
    })
    await waitForOutput(run, "Customer metrics")
    run.child.kill("SIGTERM")
    const ended = await endOf(run)
    expect(ended.code, ended.stderr).toBe(0)
    expect(ended.stdout).toContain("SMTP smtp://mail.example:587,")
    expect(ended.stdout).toContain(`database SQLite ${join(cwd, "hub-file.db")}`)
    expect(ended.stdout).toContain(`Carrier webhook: POST http://127.0.0.1:${port}/webhooks/carrier`)
    expect(ended.stdout).toContain("links in mails to https://hub.example")
  })

  it("serve on a data dir another station holds; the next start after that station is killed -9 runs", async () => {
    const env = (port: number) => ({ PACKBENCH_EMBEDDED_BROKER_PORT: String(port), PACKBENCH_DATA_DIR: "data" })
    const first = launch(["serve"], cwd, env(await freePort()))
    await waitForOutput(first, "is running")

    const second = await endOf(launch(["serve"], cwd, env(await freePort())))
    expect(second.code, second.stderr).toBe(1)
    expect(lastLine(second.stderr)).toMatch(/The station did not start: the data dir .* is in use by another station/)

    first.child.kill("SIGKILL")
    expect((await first.ended).signal).toBe("SIGKILL")
    // The kernel dropped the dead process's lock: no stale lock file keeps the restarted station out.
    const third = launch(["serve"], cwd, env(await freePort()))
    await waitForOutput(third, "is running")
    third.child.kill("SIGTERM")
    const stopped = await endOf(third)
    expect(stopped.code, stopped.stderr).toBe(0)
  })

  it.each([
    { how: "PACKBENCH_HTTP_HOST", env: { PACKBENCH_HTTP_HOST: "203.0.113.7" }, host: "203.0.113.7" },
    { how: "http.host", file: { http: { host: "no-such-host.invalid" } }, host: "no-such-host.invalid" }
  ])("serve with a $how this machine cannot listen on writes nothing", async ({ env, file, host }) => {
    if (file !== undefined) writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify(file))
    const ended = await endOf(
      launch(["serve"], cwd, {
        PACKBENCH_DATA_DIR: "data",
        PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()),
        ...env
      })
    )
    expect(ended.code, ended.stderr).toBe(1)
    expect(lastLine(ended.stderr)).toMatch(
      new RegExp(`^The station did not start: http\\.host \\(PACKBENCH_HTTP_HOST\\): cannot listen on "${host}": `)
    )
    expect(existsSync(join(cwd, "data"))).toBe(false)
  })

  it("hub with a --host this machine cannot listen on creates no data dir", async () => {
    const ended = await endOf(
      launch(["hub", "--host", "203.0.113.7", "--port", "0", "--data-dir", "hub-data"], cwd, {
        PACKBENCH_HUB_WEBHOOK_SECRET: "a-secret-of-sixteen-or-more"
      })
    )
    expect(ended.code, ended.stderr).toBe(2)
    expect(ended.stderr.trim().split("\n")[0]).toBe(
      'packbench hub: --host: cannot listen on "203.0.113.7": it is not an address of this machine (EADDRNOTAVAIL)'
    )
    expect(existsSync(join(cwd, "hub-data"))).toBe(false)
  })

  it.each([
    {
      setting: "a relative printer device path",
      config: { printers: { label: { type: "device", path: "lp0" } } },
      says: 'printers.label.path: expected an absolute device path such as /dev/usb/lp0 or /dev/ttyUSB0 (COM3 on Windows), got "lp0"'
    },
    {
      setting: "a station name with a line break",
      config: { station: { name: "Bench 3\nforged: the station started" } },
      says: 'station.name: expected one line without line breaks or other control characters, got U+000A at character 8 of "Bench 3 forged: the station started"'
    }
  ])("serve with $setting writes nothing", async ({ config, says }) => {
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ ...config, dataDir: "data" }))
    const ended = await endOf(launch(["serve"], cwd, { PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) }))
    expect(ended.code, ended.stderr).toBe(1)
    expect(lastLine(ended.stderr)).toBe(says)
    expect(existsSync(join(cwd, "data"))).toBe(false)
  })

  it("serve with a config file that is not valid", async () => {
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ station: { locale: "fr" }, dataDir: "data" }))
    const ended = await endOf(launch(["serve"], cwd, { PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) }))
    expect(ended.code, ended.stderr).toBe(1)
    expect(ended.stderr).toContain("packbench.config.json is not valid")
    expect(ended.stderr).toContain("station.locale")
    expect(existsSync(join(cwd, "data"))).toBe(false)
  })

  it.each([
    { flag: ["--port="], says: "--port needs a value, got an empty one" },
    { flag: ["--port", "eighty"], says: '--port takes a port number from 0 to 65535, got "eighty"' },
    { flag: ["--port", "70000"], says: '--port takes a port number from 0 to 65535, got "70000"' }
  ])("serve $flag", async ({ flag, says }) => {
    const ended = await endOf(
      launch(["serve", ...flag], cwd, { PACKBENCH_DATA_DIR: "data", PACKBENCH_EMBEDDED_BROKER_PORT: "0" })
    )
    expect(ended.code, ended.stderr).toBe(2)
    expect(lastLine(ended.stderr)).toBe(`packbench serve: ${says}`)
    expect(existsSync(join(cwd, "data"))).toBe(false)
  })

  it("simulate with an empty --data-dir (a variable that was not set) does not run in the default data dir", async () => {
    const ended = await endOf(launch(["simulate", "--orders", "1", "--data-dir="], cwd))
    expect(ended.code, ended.stderr).toBe(2)
    expect(ended.stderr).toContain("packbench simulate: --data-dir needs a value, got an empty one")
    expect(existsSync(join(cwd, ".packbench"))).toBe(false)
  })

  it("serve with a configured serial scanner that is not plugged in", async () => {
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        dataDir: "data",
        scanners: [{ type: "serial", id: "bench-scanner", path: join(cwd, "ttyACM-missing"), baudRate: 9600 }]
      })
    )
    const ended = await endOf(launch(["serve"], cwd, { PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) }))
    expect(ended.code, ended.stderr).toBe(1)
    expect(lastLine(ended.stderr)).toContain("scanner bench-scanner:")
    expect(lastLine(ended.stderr)).toContain("does not exist")
    expect(existsSync(join(cwd, "data")) ? readdirSync(join(cwd, "data")) : []).toEqual([])
  })

  it("serve with a broker CA file that does not exist writes no database", async () => {
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        dataDir: "data",
        broker: { url: `mqtts://127.0.0.1:${await freePort()}`, caFile: join(cwd, "missing-ca.pem") }
      })
    )
    const ended = await endOf(launch(["serve"], cwd))
    expect(ended.code, ended.stderr).toBe(1)
    expect(lastLine(ended.stderr)).toContain(`broker.caFile: cannot read ${join(cwd, "missing-ca.pem")}`)
    expect(existsSync(join(cwd, "data"))).toBe(false)
  })

  it("serve with a data dir that is a file names the setting", async () => {
    writeFileSync(join(cwd, "data"), "")
    const ended = await endOf(
      launch(["serve"], cwd, { PACKBENCH_DATA_DIR: "data", PACKBENCH_EMBEDDED_BROKER_PORT: String(await freePort()) })
    )
    expect(ended.code, ended.stderr).toBe(1)
    expect(lastLine(ended.stderr)).toMatch(
      new RegExp(`^The station did not start: cannot create the data dir ${join(cwd, "data")} \\(dataDir\\): EEXIST`)
    )
  })
})
