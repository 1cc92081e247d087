import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, waitForPort } from "../net/LoopbackPort.ts"

export interface MosquittoOptions {
  readonly maxQueuedMessages?: number
  readonly maxInflightMessages?: number
  /** Seconds between persistence snapshots (mosquitto's default is 1800: a PUBACK is not durability). */
  readonly autosaveIntervalSeconds?: number
  /** The acl_file's rules (mosquitto.conf(5) "acl_file"); change them with `writeAcl` and `reload`. */
  readonly acl?: string
  /** A TLS listener instead of plain TCP: PEM files of the CA clients are checked against and the broker's pair. */
  readonly tls?: {
    readonly caFile: string
    readonly certFile: string
    readonly keyFile: string
    /** Refuse clients without a certificate signed by `caFile` (mutual TLS). */
    readonly requireCertificate: boolean
  }
  /** Username -> password, hashed into a password_file with mosquitto_passwd; anonymous clients are then refused. */
  readonly users?: Readonly<Record<string, string>>
}

/**
 * A real mosquitto for tests and benches: its own config and persistence directory in a temp dir, on a free
 * loopback port. `kill9` and `start` again keep the same port and persistence file, as a crashed broker would.
 */
export const startMosquitto = async (options: MosquittoOptions = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "pb-mosquitto-"))
  const port = await freePort()
  const config = join(dir, "mosquitto.conf")
  const aclFile = join(dir, "acl")
  const writeAcl = (rules: string) => writeFileSync(aclFile, `${rules}\n`)
  if (options.acl !== undefined) writeAcl(options.acl)
  const passwordFile = join(dir, "passwords")
  for (const [index, [user, password]] of Object.entries(options.users ?? {}).entries()) {
    execFileSync("mosquitto_passwd", [...(index === 0 ? ["-c"] : []), "-b", passwordFile, user, password])
  }
  const tls = options.tls
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(tls === undefined
        ? []
        : [
            `cafile ${tls.caFile}`,
            `certfile ${tls.certFile}`,
            `keyfile ${tls.keyFile}`,
            `require_certificate ${tls.requireCertificate}`
          ]),
      options.users === undefined ? "allow_anonymous true" : `allow_anonymous false\npassword_file ${passwordFile}`,
      ...(options.acl === undefined ? [] : [`acl_file ${aclFile}`]),
      // Started as root, mosquitto drops to the `mosquitto` user, which cannot write the persistence file, read
      // the password file or the acl in this private temp dir: persistence would silently be off.
      ...(process.getuid?.() === 0 ? ["user root"] : []),
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
    url: `${tls === undefined ? "mqtt" : "mqtts"}://127.0.0.1:${port}`,
    port,
    dir,
    start,
    writeAcl,
    /** SIGHUP: mosquitto reloads its configuration, the acl and password files included. */
    reload: () => {
      child?.kill("SIGHUP")
    },
    kill9: () => stopWith("SIGKILL"),
    stop: () => stopWith("SIGTERM")
  }
}

export type Mosquitto = Awaited<ReturnType<typeof startMosquitto>>
