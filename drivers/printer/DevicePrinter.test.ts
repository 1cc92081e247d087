import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeDevicePrinter } from "./DevicePrinter.ts"

describe("DevicePrinter", () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it("writes every byte to the device and reports Unknown status", async () => {
    dir = await mkdtemp(join(tmpdir(), "packbench-device-"))
    const device = join(dir, "lp0")
    await writeFile(device, "")
    const printer = makeDevicePrinter({ id: "usb-1", path: device, language: "zpl" })
    await Effect.runPromise(printer.send({ jobId: "a", bytes: new TextEncoder().encode("^XA^XZ") }))
    await Effect.runPromise(printer.send({ jobId: "b", bytes: new TextEncoder().encode("^XA^XZ") }))
    expect(await readFile(device, "latin1")).toBe("^XA^XZ^XA^XZ")
    expect(await Effect.runPromise(printer.status)).toBe("Unknown")
  })

  it("fails with a PrinterError naming the printer when the device is missing, creating nothing", async () => {
    dir = await mkdtemp(join(tmpdir(), "packbench-device-"))
    const printer = makeDevicePrinter({ id: "usb-2", path: join(dir, "missing"), language: "escpos" })
    const exit = await Effect.runPromiseExit(printer.send({ jobId: "x", bytes: Uint8Array.of(1) }))
    const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    expect(reason?._tag === "Fail" && reason.error).toMatchObject({ _tag: "PrinterError", printerId: "usb-2" })
    expect(reason?._tag === "Fail" && reason.error.message).toContain("ENOENT")
    await expect(readFile(join(dir, "missing"))).rejects.toThrow()
  })
})
