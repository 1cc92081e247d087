// Fleet bench: N simulated stations (`packbench fleet-simulate`, one process, each station its own SQLite file,
// login and outbox) publish real events at R per station and second to a real mosquitto with logins and the
// shipped ACL; 1, 2 and 3 `packbench hub` processes share them through an MQTT 5 shared subscription
// (`--shared-group`) on one durable PostgreSQL (fsync on) and send the mails to a real SMTP server (smtp-server).
// Printed per hub count: events appended and applied, pending (appended but not applied when the stations' drain
// wait ended: still unconfirmed in their outboxes, not lost), applied events/s over the run, end-to-end latency p50/p99
// from append at the station (the event id's UUIDv7 time) to the commit of the hub transaction that applied it
// (PostgreSQL's commit timestamp of the row that records the application), split at the moment a plain subscriber
// beside the hubs got the event from the broker (append -> broker is the stations', broker -> applied the hubs'), the
// hubs' CPU (share of one core, per hub, from /proc), the most PostgreSQL connections seen and how many wait on an advisory lock (mean of samples every
// 250 ms). The hubs' and simulators' standard error goes to files in the run's directory, which is printed. `--kill`
// SIGKILLs one hub at 40 % of the run and restarts it at 60 % (lost and applied-twice are then counted: the hub's
// record is per station and sequence, so "applied twice" is a second application row, which its primary key refuses:
// any shows up as a failed commit).
// The machine is shared and every part runs on it, the stations included: the figures are taken under that load.
// Prints figures; asserts nothing.
//   npm run bench:fleet -- [--stations 200] [--rate 10] [--seconds 30] [--hubs 1,2,3] [--simulators 4] [--kill]
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createWriteStream, mkdtempSync, openSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import mqtt from "mqtt"
import pg from "pg"
import { upsertMosquittoPassword } from "../drivers/mqtt/MosquittoFiles.ts"
import { freePort } from "../drivers/net/LoopbackPort.ts"
import { startTestSmtpServer } from "../fixtures/mail/TestSmtpServer.ts"
import { startMosquitto } from "../fixtures/mqtt/MosquittoProcess.ts"
import { startPostgres } from "../fixtures/postgres/PostgresProcess.ts"

const args = process.argv.slice(2)
const flag = (name: string, fallback: string) => {
  const index = args.indexOf(name)
  return index === -1 ? fallback : (args[index + 1] ?? fallback)
}
const stations = Number(flag("--stations", "200"))
const rate = Number(flag("--rate", "10"))
const seconds = Number(flag("--seconds", "30"))
const hubCounts = flag("--hubs", "1,2,3").split(",").map(Number)
const kill = args.includes("--kill")
// The stations are spread over this many simulator processes: SQLite commits block their process's thread.
const simulators = Math.max(1, Math.min(stations, Number(flag("--simulators", "4"))))
const cli = fileURLToPath(new URL("../drivers/cli/packbench.mjs", import.meta.url))
const hubPassword = "bench-hub-password-0123456789"
const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || "100")

const cpuTicks = (pid: number | undefined): number => {
  if (pid === undefined) return 0
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

/** p50 / p99 of a list of milliseconds, as printed. */
const percentiles = (values: Array<number>) => {
  if (values.length === 0) return "-"
  const sorted = values.sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0)
  return `${at(0.5)}/${at(0.99)}`
}

/** Resolves when the child prints `text`; everything it prints also goes to `log`. */
const waitForLine = (child: ChildProcess, text: string, what: string, log: string) =>
  new Promise<void>((resolve, reject) => {
    let seen = ""
    const onData = (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.includes(text)) {
        child.stdout?.off("data", onData)
        child.off("exit", onExit)
        resolve()
      }
    }
    const onExit = (code: number | null) => reject(new Error(`${what} exited early (${code}): ${seen}`))
    child.stdout?.pipe(createWriteStream(log, { flags: "a" }))
    child.stdout?.on("data", onData)
    child.once("exit", onExit)
  })

const runWith = async (hubs: number) => {
  const dir = mkdtempSync(join(tmpdir(), "pb-bench-fleet-"))
  console.log(`${hubs} hub(s): logs of the hubs and simulators in ${dir}`)
  const postgres = await startPostgres({ durable: true, settings: { track_commit_timestamp: "on" } })
  const smtp = await startTestSmtpServer()
  const children = new Set<ChildProcess>()
  const stopAll = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve))
        child.kill("SIGKILL")
        await exited
      }
    }
  }
  try {
    const url = await postgres.createDatabase("fleet")
    const fleetDir = join(dir, "fleet")
    const mosquittoDir = join(dir, "mosquitto")
    const enrolled = spawnSync(
      process.execPath,
      [
        cli,
        "fleet-simulate",
        "--enroll",
        "--stations",
        String(stations),
        "--mosquitto-dir",
        mosquittoDir,
        "--data-dir",
        fleetDir
      ],
      { encoding: "utf8" }
    )
    if (enrolled.status !== 0) throw new Error(`enrol failed: ${enrolled.stderr}`)
    upsertMosquittoPassword(join(mosquittoDir, "passwords"), "packbench-hub", hubPassword)
    const mosquitto = await startMosquitto({
      provisioned: { passwordFile: join(mosquittoDir, "passwords"), aclFile: join(mosquittoDir, "acl") }
    })
    try {
      const startHub = async (index: number) => {
        const port = await freePort()
        const hub = spawn(
          process.execPath,
          [cli, "hub", "--broker", mosquitto.url, "--smtp", smtp.url, "--data-dir", join(dir, `hub-${index}`)].concat([
            "--port",
            String(port),
            "--shared-group",
            "hubs",
            "--mqtt5"
          ]),
          {
            stdio: ["ignore", "pipe", openSync(join(dir, `hub-${index}.log`), "a")],
            env: {
              ...process.env,
              PACKBENCH_HUB_DATABASE_URL: url,
              PACKBENCH_HUB_WEBHOOK_SECRET: "bench-webhook-secret-0123456789",
              PACKBENCH_HUB_CLIENT_ID: `packbench-hub-${index}`,
              PACKBENCH_HUB_BROKER_USERNAME: "packbench-hub",
              PACKBENCH_HUB_BROKER_PASSWORD: hubPassword
            }
          }
        )
        children.add(hub)
        await waitForLine(hub, "Packbench hub running", `hub ${index}`, join(dir, `hub-${index}.log`))
        return hub
      }
      // One after the other: the first migrates the database.
      const running: Array<ChildProcess> = []
      for (let index = 1; index <= hubs; index++) running.push(await startHub(index))
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      // A plain (unshared) QoS 0 subscriber beside the hubs notes when each event reached the broker, to split the
      // latency into append -> broker (the stations) and broker -> applied (the hubs).
      const atBroker = new Map<string, number>()
      const probe = await mqtt.connectAsync(mosquitto.url, {
        clientId: "packbench-bench-probe",
        username: "packbench-hub",
        password: hubPassword,
        clean: true
      })
      probe.on("message", (_topic, payload) => {
        const id = /"id":"([^"]+)"/.exec(payload.toString("utf8"))?.[1]
        if (id !== undefined && !atBroker.has(id)) atBroker.set(id, Date.now())
      })
      await probe.subscribeAsync("packbench/v1/+/+/events/#", { qos: 0 })
      const summaries: Array<string> = []
      const exits = Array.from({ length: simulators }, (_, part) => {
        const first = Math.floor((stations * part) / simulators)
        const count = Math.floor((stations * (part + 1)) / simulators) - first
        const simulator = spawn(
          process.execPath,
          [cli, "fleet-simulate", "--stations", String(count), "--first", String(first), "--rate", String(rate)]
            .concat(["--duration", String(seconds), "--offline-share", "0", "--drain-wait", "120"])
            .concat(["--broker", mosquitto.url, "--data-dir", fleetDir]),
          { stdio: ["ignore", "pipe", openSync(join(dir, `simulator-${part}.log`), "a")] }
        )
        children.add(simulator)
        summaries[part] = ""
        simulator.stdout?.on("data", (chunk: Buffer) => {
          summaries[part] += chunk.toString()
        })
        return new Promise<number | null>((resolve) => simulator.once("exit", resolve))
      })
      const finished = Promise.all(exits).then((codes) => codes.find((code) => code !== 0) ?? 0)
      const startedAt = Date.now()
      const cpuStart = new Map(running.map((hub) => [hub, cpuTicks(hub.pid)]))
      let cpuTotal = 0
      let maxConnections = 0
      let lockSamples = 0
      let lockWaiting = 0
      let killed: ChildProcess | undefined
      let restarted = false
      const sampler = setInterval(() => {
        void client
          .query<{ n: number; waiting: number }>(
            `SELECT COUNT(*)::int AS n, COUNT(*) FILTER (WHERE wait_event = 'advisory')::int AS waiting
             FROM pg_stat_activity WHERE datname = current_database()`
          )
          .then((result) => {
            maxConnections = Math.max(maxConnections, result.rows[0]?.n ?? 0)
            lockSamples++
            lockWaiting += result.rows[0]?.waiting ?? 0
          })
          .catch(() => undefined)
      }, 250)
      if (kill && hubs > 1) {
        setTimeout(() => {
          killed = running[0]
          cpuTotal += cpuTicks(killed?.pid) - (cpuStart.get(killed!) ?? 0)
          killed?.kill("SIGKILL")
        }, seconds * 400)
        setTimeout(() => {
          void startHub(1).then((hub) => {
            restarted = true
            running[0] = hub
            cpuStart.set(hub, cpuTicks(hub.pid))
          })
        }, seconds * 600)
      }
      const code = await finished
      const elapsed = (Date.now() - startedAt) / 1_000
      clearInterval(sampler)
      for (const hub of running) cpuTotal += cpuTicks(hub.pid) - (cpuStart.get(hub) ?? 0)
      const result = await client.query<{ applied: number; seconds: number; p50: number; p99: number }>(
        `WITH applied AS (
           SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS committed_ms,
             ('x' || substr(replace(event_id, '-', ''), 1, 12))::bit(48)::bigint AS appended_ms
           FROM sync_consumer_applied)
         SELECT COUNT(*)::int AS applied,
           ((MAX(committed_ms) - MIN(committed_ms)) / 1000)::float8 AS seconds,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY committed_ms - appended_ms)::float8 AS p50,
           percentile_disc(0.99) WITHIN GROUP (ORDER BY committed_ms - appended_ms)::float8 AS p99
         FROM applied`
      )
      const split = await client.query<{ event_id: string; committed_ms: number; appended_ms: number }>(
        `SELECT event_id, (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::float8 AS committed_ms,
           ('x' || substr(replace(event_id, '-', ''), 1, 12))::bit(48)::bigint::float8 AS appended_ms
         FROM sync_consumer_applied`
      )
      await probe.endAsync()
      await client.end()
      const toBroker: Array<number> = []
      const toApplied: Array<number> = []
      for (const applied of split.rows) {
        const seen = atBroker.get(applied.event_id)
        if (seen === undefined) continue
        toBroker.push(seen - applied.appended_ms)
        toApplied.push(applied.committed_ms - seen)
      }
      const row = result.rows[0]!
      const parts = summaries.map(
        (summary) => JSON.parse(summary.trim().split("\n").pop() || "{}") as { appended?: number; confirmed?: number }
      )
      const fleet = {
        appended: parts.reduce((sum, part) => sum + (part.appended ?? 0), 0),
        confirmed: parts.reduce((sum, part) => sum + (part.confirmed ?? 0), 0)
      }
      return {
        hubs,
        simulatorExit: code,
        appended: fleet.appended ?? 0,
        confirmed: fleet.confirmed ?? 0,
        applied: row.applied,
        perSecond: row.applied / Math.max(row.seconds, 0.001),
        p50: row.p50,
        p99: row.p99,
        cpuPerHub: (cpuTotal / ticksPerSecond / elapsed / hubs) * 100,
        maxConnections,
        lockWaiting: lockWaiting / Math.max(1, lockSamples),
        toBroker: percentiles(toBroker),
        toApplied: percentiles(toApplied),
        killed: killed !== undefined,
        restarted
      }
    } finally {
      await stopAll()
      await mosquitto.stop()
    }
  } finally {
    await stopAll()
    await smtp.stop()
    await postgres.stop()
  }
}

const main = async () => {
  console.log(
    `fleet: ${stations} stations × ${rate} events/s for ${seconds} s (target ${stations * rate} events/s), PostgreSQL fsync on, mosquitto with logins${kill ? ", one hub SIGKILLed at 40 % and restarted at 60 %" : ""}`
  )
  console.log(
    "hubs  appended  applied  pending  events/s applied  p50 ms  p99 ms  CPU/hub  PG conns  lock waits  to broker  broker to applied (p50/p99 ms)"
  )
  for (const hubs of hubCounts) {
    const r = await runWith(hubs)
    console.log(
      `${String(r.hubs).padStart(4)}  ${String(r.appended).padStart(8)}  ${String(r.applied).padStart(7)}  ${String(
        Math.max(0, r.appended - r.applied)
      ).padStart(7)}  ${r.perSecond.toFixed(0).padStart(16)}  ${r.p50.toFixed(0).padStart(6)}  ${r.p99
        .toFixed(0)
        .padStart(
          6
        )}  ${`${r.cpuPerHub.toFixed(0)} %`.padStart(7)}  ${String(r.maxConnections).padStart(8)}  ${r.lockWaiting.toFixed(2).padStart(10)}  ${r.toBroker.padStart(9)}  ${r.toApplied.padStart(17)}${
        r.simulatorExit === 0 ? "" : "  (stations not all confirmed within the drain wait)"
      }${r.killed ? `  (a hub killed${r.restarted ? " and restarted" : ""})` : ""}`
    )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
