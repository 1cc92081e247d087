import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface MosquittoOptions {
  readonly maxQueuedMessages?: number
  readonly maxInflightMessages?: number
  /** Seconds between persistence snapshots (mosquitto's default is 1800: a PUBACK is not durability). */
  readonly autosaveIntervalSeconds?: number
}

/** A free loopback port: bind port 0, read it, release it. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const waitForPort = async (port: number, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" })
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`)
}

/**
 * A real mosquitto for tests and benches: its own config and persistence directory in a temp dir, on a free
 * loopback port. `kill9` and `start` again keep the same port and persistence file, as a crashed broker would.
 */
export const startMosquitto = async (options: MosquittoOptions = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "pb-mosquitto-"))
  const port = await freePort()
  const config = join(dir, "mosquitto.conf")
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence true",
      `persistence_location ${dir}/`,
      `autosave_interval ${options.autosaveIntervalSeconds ?? 1800}`,
      `max_queued_messages ${options.maxQueuedMessages ?? 100000}`,
      `max_inflight_messages ${options.maxInflightMessages ?? 100}`,
      "log_dest none",
      ""
    ].join("\n")
  )
  let child: ChildProcess | undefined
  const start = async () => {
    const spawned = spawn("/usr/sbin/mosquitto", ["-c", config], { stdio: "ignore" })
    child = spawned
    await Promise.race([
      waitForPort(port, 10_000),
      new Promise((_, reject) => spawned.once("exit", (code) => reject(new Error(`mosquitto exited with ${code}`))))
    ])
  }
  const stopWith = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null) return resolve()
      running.once("exit", () => resolve())
      running.kill(signal)
    })
  await start()
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    start,
    kill9: () => stopWith("SIGKILL"),
    stop: () => stopWith("SIGTERM")
  }
}

export type Mosquitto = Awaited<ReturnType<typeof startMosquitto>>
