import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

const ENTRY = pathToFileURL(join(import.meta.dirname, "stationProcess.mjs")).href

// Plain Node has no process.parentPort; this stands in for Electron's, printing what the station posts and playing
// the main process: one call once ready, then close once answered.
const DRIVER = `
import { EventEmitter } from "node:events"
const port = new EventEmitter()
port.postMessage = (message) => {
  process.stdout.write("MSG " + JSON.stringify(message) + "\\n")
  if (message.kind === "ready") port.emit("message", { data: { kind: "call", id: 1, name: "station.status", input: {} } })
  if (message.kind === "result") port.emit("message", { data: { kind: "close" } })
}
process.parentPort = port
await import(${JSON.stringify(ENTRY)})
`

const runEntry = (cwd: string) =>
  new Promise<{ code: number | null; messages: Array<Record<string, unknown>> }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", DRIVER], {
      cwd,
      env: { ...process.env, PACKBENCH_DATA_DIR: join(cwd, "data"), PACKBENCH_EMBEDDED_BROKER_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.on("error", reject)
    // "close", not "exit": at "exit" the station's last messages may still be unread in the stdout pipe.
    child.on("close", (code) =>
      resolve({
        code,
        messages: out
          .split("\n")
          // The station logs to stdout too; only the lines the stand-in port wrote are messages.
          .filter((line) => line.startsWith("MSG "))
          .map((line) => JSON.parse(line.slice(4)))
      })
    )
  })

describe("stationProcess.mjs", () => {
  it("starts the real station without HTTP, answers a call, and exits 0 when asked to close", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "packbench-station-process-"))
    const { code, messages } = await runEntry(cwd)
    expect(messages[0]).toMatchObject({ kind: "ready", printoutsDir: join(cwd, "data", "printouts") })
    expect(messages[1]).toMatchObject({ kind: "result", id: 1, result: { ok: true, value: { locale: "de" } } })
    expect(code).toBe(0)
  })

  it("reports a bad configuration as one fatal message and exits 1", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "packbench-station-process-"))
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ http: { port: "x" } }))
    const { code, messages } = await runEntry(cwd)
    expect(messages).toEqual([{ kind: "fatal", message: expect.stringContaining("http.port") }])
    expect(code).toBe(1)
  })
})
