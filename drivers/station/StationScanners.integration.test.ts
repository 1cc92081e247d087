import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PushMessage, ScanOutcome, StationStatus } from "../../core/api/StationApi.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import { ScannerSimulator } from "../../fixtures/simulators/ScannerSimulator.ts"
import { found } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

describe("a station with a serial scanner", () => {
  let station: RunningStation
  let scanner: ScannerSimulator
  const pushes: Array<PushMessage> = []
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-serial-station-"))
    scanner = await ScannerSimulator.start(dir)
    writeFileSync(
      join(dir, "packbench.config.json"),
      JSON.stringify({
        scanners: [{ type: "serial", id: "bench", path: scanner.scannerPath, baudRate: 9600, suffix: "CR" }]
      })
    )
    const config = loadConfig({
      cwd: dir,
      env: { PACKBENCH_DATA_DIR: join(dir, "data"), PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
    })
    station = await startStation({ config, http: false, log: () => {} })
    station.subscribe((message) => pushes.push(message))
    // Bytes written before the station opened its end of the pty would be lost, as with a real cable.
    await found(
      () =>
        pushes.some(
          (push) =>
            push.name === "status" &&
            (push.payload as StationStatus).devices.some((device) => device.id === "bench" && device.state === "ok")
        ) || undefined,
      "the scanner to connect"
    )
  })
  afterAll(async () => {
    await station.close()
    await scanner.stop()
  })

  const scans = () => pushes.filter((push) => push.name === "scan").map((push) => push.payload as ScanOutcome)

  it("signs in by a badge read on the serial port, stamped with the driver's time", async () => {
    const badge = encodePackbenchCode("badge", "B-1001")
    if (!badge.ok) throw new Error(badge.reason)
    const before = Date.now()
    await scanner.send([badge.code], { suffix: "\r" })
    const outcome = await found(() => scans().find((scan) => scan.raw === badge.code), "the badge scan")
    expect(outcome).toMatchObject({ source: "serial", deviceId: "bench", action: "signed-in" })
    expect(outcome.at.wallMs).toBeGreaterThanOrEqual(before)
    const status = (await station.call("station.status", {})) as { ok: true; value: StationStatus }
    expect(status.value.operator?.name).toBe("Jonas Becker")
    expect(status.value.devices.find((device) => device.id === "bench")).toMatchObject({ kind: "scanner", state: "ok" })
  })

  it("hands serial scans to the pack flow once the UI says the Pack screen is up", async () => {
    await station.call("station.setScreen", { screen: "pack" })
    const order = encodePackbenchCode("order", "SO-100001")
    if (!order.ok) throw new Error(order.reason)
    await scanner.send([order.code, "4260123450021"], { suffix: "\r" })
    const wrong = await found(() => scans().find((scan) => scan.raw === "4260123450021"), "the item scan")
    expect(scans().find((scan) => scan.raw === order.code)?.action).toBe("pack:order-open")
    expect(wrong).toMatchObject({ action: "refused" })
    // The water bottle is not in SO-100001 but in other open orders: the refusal says so.
    expect(wrong.message).toMatch(/^other-order-item: /)
  })

  it("reports an unplugged scanner in the device list and takes scans again after replug", async () => {
    await scanner.unplug()
    await found(
      () =>
        pushes.some(
          (push) =>
            push.name === "status" &&
            (push.payload as StationStatus).devices.some((d) => d.id === "bench" && d.state === "error")
        ) || undefined,
      "the disconnected state"
    )
    const before = pushes.length
    await scanner.replug()
    // Bytes sent before the station has the port open again would be lost, as with a real cable: wait for it.
    await found(
      () =>
        pushes
          .slice(before)
          .some(
            (push) =>
              push.name === "status" &&
              (push.payload as StationStatus).devices.some((d) => d.id === "bench" && d.state === "ok")
          ) || undefined,
      "the scanner to connect again"
    )
    await scanner.send(["4260123450014"], { suffix: "\r" })
    const after = await found(() => scans().find((scan) => scan.raw === "4260123450014"), "a scan after replug")
    expect(after.action).toBe("pack:order-open")
  })

  it("takes in a parcel nobody expected at the returns desk instead of refusing it", async () => {
    await station.call("station.setScreen", { screen: "returns" })
    const early = await station.call("scan.submit", { raw: "1Z999AA10123456784", source: "manual" })
    expect(early).toMatchObject({
      ok: true,
      value: { action: "refused", message: expect.stringMatching(/^role-required/) }
    })
    const clerk = encodePackbenchCode("badge", "B-2001")
    if (!clerk.ok) throw new Error(clerk.reason)
    await scanner.send([clerk.code, "1Z999AA10123456784"], { suffix: "\r" })
    const outcome = await found(
      () => scans().find((scan) => scan.raw === "1Z999AA10123456784" && scan.source === "serial"),
      "the return scan"
    )
    expect(outcome.action).toMatch(/^returns:/)
    const state = (await station.call("returns.state", {})) as {
      ok: true
      value: { current: { known: boolean; status: string } }
    }
    expect(state.value.current).toMatchObject({ known: false, status: "open" })
  })
})
