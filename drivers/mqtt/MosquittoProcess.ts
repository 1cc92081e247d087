import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, waitForPort } from "../net/LoopbackPort.ts"

export interface MosquittoOptions {
  readonly maxQueuedMessages?: number
  readonly maxInflightMessages?: number
  /** Seconds between persistence snapshots (mosquitto's default is 1800: a PUBACK is not durability). */
  readonly autosaveIntervalSeconds?: number
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
      waitForPort(port, 10_000, "mosquitto"),
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
