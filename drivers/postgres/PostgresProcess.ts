import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { freePort, waitForPort } from "../net/LoopbackPort.ts"

/** Debian installs each major version under its own directory; CI may get a different one than this machine. */
export const postgresBinDir = (): string => {
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const newest = versions[0]
  if (newest === undefined) throw new Error(`no PostgreSQL server under ${root}: apt-get install postgresql`)
  return join(root, newest, "bin")
}

/**
 * initdb and postgres refuse to run as root (they would own every file the server writes). Tests and CI run as
 * root, so there the server runs as Debian's `postgres` user: setpriv execs in place (no forking wrapper like
 * runuser), so signals sent to the child reach the postmaster itself.
 */
const asServerUser = (command: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  process.getuid?.() === 0
    ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args]]
    : [command, [...args]]

const chownToServerUser = (paths: ReadonlyArray<string>) => {
  if (process.getuid?.() !== 0) return
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
  for (const path of paths) chownSync(path, uid, gid)
}

/**
 * A real PostgreSQL for tests and benches: a fresh cluster in a temp dir (trust auth, superuser `postgres`), on
 * a free loopback port with its socket in the same temp dir. `fsync=off` makes start-up and commits fast and is
 * only acceptable because the cluster is thrown away: never use these settings for a deployment. Benches pass
 * `durable: true` for PostgreSQL's default (fsync, synchronous commit), comparable with SQLite's synchronous=FULL.
 * `createDatabase` gives each test its own empty database; `stop` shuts down fast and removes the directory.
 */
export const startPostgres = async (options: { readonly durable?: boolean } = {}) => {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), "pb-postgres-"))
  const data = join(dir, "data")
  const socketDir = join(dir, "socket")
  mkdirSync(data, { mode: 0o700 })
  mkdirSync(socketDir)
  chownToServerUser([dir, data, socketDir])
  const [initCommand, initArgs] = asServerUser(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync"
  ])
  try {
    execFileSync(initCommand, initArgs, { stdio: "pipe" })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ""
    throw new Error(`initdb failed: ${stderr || String(error)}`)
  }
  const port = await freePort()
  const [command, args] = asServerUser(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    socketDir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=200",
    ...(options.durable === true
      ? []
      : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
  ])
  const output: Array<string> = []
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] })
  child.stderr?.on("data", (chunk: Buffer) => {
    output.push(chunk.toString())
    if (output.length > 50) output.shift()
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true })
        resolve()
      }
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once("exit", done)
      // SIGINT is PostgreSQL's "fast" shutdown: it ends open sessions instead of waiting for them (SIGTERM would).
      child.kill("SIGINT")
    })
  try {
    await Promise.race([
      waitForPort(port, 30_000, "postgres"),
      new Promise((_, reject) =>
        child.once("exit", (code) => reject(new Error(`postgres exited with ${code}: ${output.join("")}`)))
      )
    ])
  } catch (error) {
    await stop()
    throw error
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`
  // The port opens before start-up finishes ("the database system is starting up"): wait for a real answer.
  const deadline = Date.now() + 30_000
  while (true) {
    const client = new pg.Client({ connectionString: url("postgres") })
    try {
      await client.connect()
      await client.query("SELECT 1")
      await client.end()
      break
    } catch (error) {
      await client.end().catch(() => undefined)
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`postgres did not accept queries within 30 s: ${String(error)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  let databases = 0
  /** A new empty database on this server; its URL. */
  const createDatabase = async (prefix = "test"): Promise<string> => {
    const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${++databases}`
    const client = new pg.Client({ connectionString: url("postgres") })
    await client.connect()
    try {
      await client.query(`CREATE DATABASE ${name}`)
    } finally {
      await client.end()
    }
    return url(name)
  }
  return { port, url, createDatabase, stop }
}

export type Postgres = Awaited<ReturnType<typeof startPostgres>>
