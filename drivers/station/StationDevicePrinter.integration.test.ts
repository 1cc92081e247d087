import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StationStatus } from "../../core/api/StationApi.ts"
import { until } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

// A printer unplugged at boot must not stop the station: it may be plugged in later. The station says so once in its
// log and in the device list, and prints to it once it is there.
describe("a station whose receipt printer's device file is not there at start", () => {
  let station: RunningStation
  let device: string
  const log: Array<string> = []
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-device-printer-"))
    device = join(dir, "lp0")
    writeFileSync(
      join(dir, "packbench.config.json"),
      JSON.stringify({ hub: { embedded: false }, printers: { receipt: { type: "device", path: device } } })
    )
    const config = loadConfig({
      cwd: dir,
      env: { PACKBENCH_DATA_DIR: join(dir, "data"), PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: (line) => log.push(line) })
  })
  afterAll(() => station.close())

  it("starts, warns in one log line naming the setting and the path, and lists the printer as not present", async () => {
    expect(log.filter((line) => line.includes(device))).toEqual([
      `Warning: receipt printer not present: ${device} (is it plugged in? printers.receipt.path); the station starts and prints to it once it is there`
    ])
    const status = (await station.call("station.status", {})) as { ok: true; value: StationStatus }
    expect(status.value.devices.find((entry) => entry.kind === "receipt-printer")).toMatchObject({
      state: "error",
      condition: "not-present",
      detail: `${device} (is it plugged in? printers.receipt.path)`
    })
  })

  it("prints to it once it is plugged in", async () => {
    writeFileSync(device, "")
    expect(await station.call("session.signIn", { badge: "B-1001" })).toMatchObject({ ok: true })
    const queued = (await station.call("printer.testPrint", { printer: "receipt" })) as {
      ok: true
      value: { id: string }
    }
    await until(
      async () => {
        const jobs = (await station.call("printer.jobs", {})) as {
          ok: true
          value: ReadonlyArray<{ id: string; state: string }>
        }
        return jobs.value.find((job) => job.id === queued.value.id)?.state
      },
      (state) => state === "printed",
      "the test receipt to print"
    )
    expect(readFileSync(device).length).toBeGreaterThan(0)
    const status = (await station.call("station.status", {})) as { ok: true; value: StationStatus }
    expect(status.value.devices.find((entry) => entry.kind === "receipt-printer")?.state).toBe("ok")
  })
})
