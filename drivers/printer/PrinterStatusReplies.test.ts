import { describe, expect, it } from "vitest"
import { escPosStatusByte, parseEscPosStatus, STATUS_QUERIES } from "./EscPosStatus.ts"
import type { SimulatedPrinterState } from "./SimulatedPrinterState.ts"
import { formatHostStatus, isCompleteHostStatus, parseHostStatus } from "./ZplHostStatus.ts"

const cases: ReadonlyArray<[SimulatedPrinterState, string, string]> = [
  ["online", "Online", "Online"],
  ["paperOut", "PaperOut", "PaperOut"],
  ["headOpen", "HeadOpen", "HeadOpen"],
  ["paused", "Paused", "Offline"]
]

describe("printer status replies", () => {
  it.each(cases)("reads %s back from ~HS and DLE EOT", (state, zpl, escpos) => {
    const reply = formatHostStatus(state)
    expect(isCompleteHostStatus(reply)).toBe(true)
    expect(parseHostStatus(reply)).toBe(zpl)
    expect(parseEscPosStatus(Uint8Array.from(STATUS_QUERIES.map((n) => escPosStatusByte(n, state))))).toBe(escpos)
  })

  it("reads a real printer's ~HS reply and refuses malformed ones", () => {
    const zebra =
      "\x02030,1,1,0812,000,0,0,0,000,0,0,0\x03\r\n\x02001,0,0,0,1,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n"
    expect(parseHostStatus(zebra)).toBe("PaperOut")
    expect(isCompleteHostStatus(zebra.slice(0, 40))).toBe(false)
    expect(parseHostStatus("\x02garbage\x03\r\n")).toBeUndefined()
    expect(parseEscPosStatus(Uint8Array.of(0x12, 0x12))).toBeUndefined()
    expect(parseEscPosStatus(Uint8Array.of(0xff, 0x12, 0x12))).toBeUndefined()
  })
})
