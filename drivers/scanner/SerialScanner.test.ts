import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { SerialScanner } from "./SerialScanner.ts"

const failure = async (input: unknown): Promise<string> => {
  const exit = await Effect.runPromiseExit(SerialScanner.make(input))
  if (Exit.isSuccess(exit)) throw new Error("expected the options to be rejected")
  const error = exit.cause.reasons[0]
  if (error?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  expect(error.error._tag).toBe("ScannerError")
  return error.error.message
}

describe("SerialScanner.make", () => {
  it("accepts good options and describes the line", async () => {
    const device = await Effect.runPromise(
      SerialScanner.make({
        path: "/dev/ttyUSB0",
        baudRate: 9600,
        parity: "even",
        dataBits: 7,
        framing: { suffix: "CRLF" }
      })
    )
    expect(device.id).toBe("serial:/dev/ttyUSB0")
    expect(device.description).toBe("Serial scanner on /dev/ttyUSB0 (9600 7E1)")
  })

  it("rejects a bad baud rate, naming the field and the allowed values", async () => {
    const message = await failure({ path: "/dev/ttyUSB0", baudRate: 9601 })
    expect(message).toContain('["baudRate"]')
    expect(message).toContain("9600")
  })

  it("names every wrong field at once", async () => {
    const message = await failure({ path: "", baudRate: 9600, parity: "sometimes", stopBits: 3 })
    expect(message).toContain('["path"]')
    expect(message).toContain('["parity"]')
    expect(message).toContain('["stopBits"]')
  })

  it("rejects bad framing, naming the nested field", async () => {
    const message = await failure({ path: "/dev/ttyS0", baudRate: 9600, framing: { suffix: "ETX", maxFrameBytes: 0 } })
    expect(message).toContain('["framing"]["suffix"]')
    expect(message).toContain('["framing"]["maxFrameBytes"]')
  })

  it("rejects a reconnect ceiling below the first delay", async () => {
    const message = await failure({ path: "/dev/ttyS0", baudRate: 9600, reconnectInitialMs: 500, reconnectMaxMs: 100 })
    expect(message).toMatch(/reconnectMaxMs/)
  })
})
