/** ESC/POS real-time status queries and what their answers say about the printer. */
import type { PrinterStatus } from "../../core/print/Printer.ts"
import type { SimulatedPrinterState } from "./SimulatedPrinterState.ts"

const DLE = 0x10
const EOT = 0x04

/** DLE EOT n ("Transmit real-time status", ESC/POS Application Programming Guide), n = 1..4. */
export const realTimeStatusQuery = (n: 1 | 2 | 3 | 4): Uint8Array => Uint8Array.of(DLE, EOT, n)

/** The queries `TcpPrinter` sends, in this order: printer, offline cause, roll paper sensor. */
export const STATUS_QUERIES = [1, 2, 4] as const

/**
 * Every reply byte has bit 1 and bit 4 set and bits 0 and 7 clear. n=1: bit 3 offline. n=2:
 * bit 2 cover open, bit 5 printing stopped by paper end. n=3: error causes (none simulated).
 * n=4: bits 2-3 paper near end, bits 5-6 paper end.
 */
export const escPosStatusByte = (n: number, state: SimulatedPrinterState): number => {
  const fixed = 0x12
  const stopped = state !== "online"
  switch (n) {
    case 1:
      return fixed | (stopped ? 0x08 : 0)
    case 2:
      return fixed | (state === "headOpen" ? 0x04 : 0) | (state === "paperOut" ? 0x20 : 0)
    case 4:
      return fixed | (state === "paperOut" ? 0x60 : 0)
    default:
      return fixed
  }
}

/** Reads the replies to `STATUS_QUERIES`; `undefined` when a byte does not have the fixed bits. */
export const parseEscPosStatus = (replies: Uint8Array): PrinterStatus | undefined => {
  const [printer, offlineCause, paper] = replies
  if (printer === undefined || offlineCause === undefined || paper === undefined) return undefined
  if ([printer, offlineCause, paper].some((b) => (b & 0x93) !== 0x12)) return undefined
  if (offlineCause & 0x04) return "HeadOpen"
  if (paper & 0x60 || offlineCause & 0x20) return "PaperOut"
  if (printer & 0x08) return "Offline"
  return "Online"
}
