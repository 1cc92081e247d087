/** The bench's printers, real or simulated, and the print queue's devices. */
import { existsSync, mkdirSync } from "node:fs"
import { join, relative } from "node:path"
import { Context, Effect, Layer } from "effect"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import type { PrinterDevice } from "../../core/print/Printer.ts"
import type { PrinterRole } from "../../core/print/PrintQueue.ts"
import { type DeviceConnection, deviceText } from "../../core/station/StationStatusApi.ts"
import { makeDevicePrinter } from "../printer/DevicePrinter.ts"
import { type PrinterSimulator, start as startPrinterSimulator } from "../printer/PrinterSimulator.ts"
import { makeTcpPrinter } from "../printer/TcpPrinter.ts"
import { releaseLogged } from "./releaseLogged.ts"

/** One printer of the bench: the device the print queue sends to, and for a simulated one its listener. */
export interface StationPrinter {
  readonly device: PrinterDevice
  /** How the station reaches it and where it is (an address, a device file, a simulated one's folder), for the UI. */
  readonly connection: DeviceConnection
  readonly where: string
  /** The rendering of a job the simulated printer received, as a URL under `/printouts`. */
  readonly preview?: (jobId: string) => Promise<string | undefined>
  readonly simulator?: PrinterSimulator
  /** Why the device list shows the printer as not there until its first job: its device file was missing at start. */
  readonly absent?: string
}

/**
 * A simulated printer is a real TCP printer listener on loopback; the station prints to it like to any other. The
 * listener lives as long as the scope that started it.
 */
const printerFor = (role: PrinterRole, config: ResolvedConfig, render: boolean, log: (line: string) => void) =>
  Effect.gen(function* () {
    const printer = config.printers[role]
    const language = role === "label" ? "zpl" : "escpos"
    const id = `${role}-printer`
    if (printer.type === "tcp") {
      const port = printer.port ?? 9100
      return {
        device: makeTcpPrinter({ id, host: printer.host, port, language }),
        connection: "network",
        where: deviceText(`${printer.host}:${port}`)
      } satisfies StationPrinter
    }
    if (printer.type === "device") {
      const printerAt = {
        device: makeDevicePrinter({ id, path: printer.path, language }),
        connection: "device-file",
        where: deviceText(printer.path)
      } satisfies StationPrinter
      if (existsSync(printer.path)) return printerAt
      // Unplugged or switched off at boot is no reason to stop the bench: the file is opened anew for every job.
      const absent = `${printer.path} (is it plugged in? printers.${role}.path)`
      log(`Warning: ${role} printer not present: ${absent}; the station starts and prints to it once it is there`)
      return { ...printerAt, absent: deviceText(absent) } satisfies StationPrinter
    }
    const dir = join(config.dataDir, "printouts", role)
    mkdirSync(dir, { recursive: true })
    const simulator = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => startPrinterSimulator({ port: printer.port ?? 0, host: "127.0.0.1", dir, language, render }),
        catch: (error) => (error instanceof Error ? error : new Error(String(error)))
      }),
      (started) => releaseLogged(log, () => started.close())
    )
    const tcp = makeTcpPrinter({ id, host: "127.0.0.1", port: simulator.port, language })
    let sent = 0
    // Which of the simulator's jobs each print job became: its preview is asked for while later jobs print.
    const placeOf = new Map<string, number>()
    const device: PrinterDevice = {
      ...tcp,
      description: `Simulated ${role} printer on 127.0.0.1:${simulator.port} (renders to ${dir})`,
      send: (job) => Effect.tap(tcp.send(job), () => Effect.sync(() => void placeOf.set(job.jobId, ++sent)))
    }
    const preview = async (jobId: string) => {
      const place = placeOf.get(jobId)
      placeOf.delete(jobId)
      if (place === undefined) return undefined
      const jobs = await simulator.waitForJobs(place, 15_000)
      const png = jobs[place - 1]?.pngs[0]
      return png === undefined ? undefined : `/printouts/${role}/${relative(dir, png).split("\\").join("/")}`
    }
    return { device, preview, simulator, connection: "simulated", where: deviceText(dir) } satisfies StationPrinter
  })

/** The bench's label and receipt printers, configured or simulated, for the print worker and the station's handle. */
export class StationPrinters extends Context.Service<StationPrinters, Readonly<Record<PrinterRole, StationPrinter>>>()(
  "packbench/drivers/station/StationPrinters"
) {
  static readonly layer = (config: ResolvedConfig, render: boolean, log: (line: string) => void) =>
    Layer.effect(
      StationPrinters,
      Effect.gen(function* () {
        const label: StationPrinter = yield* printerFor("label", config, render, log)
        const receipt: StationPrinter = yield* printerFor("receipt", config, render, log)
        return StationPrinters.of({ label, receipt })
      })
    )
}
