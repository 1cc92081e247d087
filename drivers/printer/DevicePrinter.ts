/** A printer behind a device file (USB or serial), written to like a file. */
import { constants } from "node:fs"
import { open } from "node:fs/promises"
import { Effect } from "effect"
import { type PrinterDevice, PrinterError, type PrinterLanguage } from "../../core/print/Printer.ts"

export interface DevicePrinterOptions {
  readonly id: string
  /** A device file: /dev/usb/lp0 (USB printer class), /dev/ttyUSB0 or /dev/ttyS0 already set up for the printer. */
  readonly path: string
  readonly language: PrinterLanguage
}

/**
 * A printer behind a device file. Writing is all it can do: the USB printer class and a plain
 * serial line give no reliable way to read a status reply back, so `status` is `Unknown`.
 * The file is opened for writing only (never created), so a missing device fails instead of
 * filling a regular file under /dev.
 */
export const makeDevicePrinter = (options: DevicePrinterOptions): PrinterDevice => {
  if (options.path.trim() === "") throw new Error(`printer ${options.id}: device path is empty`)
  const failure = (message: string) =>
    new PrinterError({
      printerId: options.id,
      status: "Unknown",
      message: `printer ${options.id} (${options.path}): ${message}`
    })

  const send = Effect.fn("DevicePrinter.send")(function* (job: { readonly jobId: string; readonly bytes: Uint8Array }) {
    const written = yield* Effect.tryPromise({
      try: async () => {
        const handle = await open(options.path, constants.O_WRONLY | constants.O_APPEND)
        try {
          let offset = 0
          while (offset < job.bytes.length) {
            const { bytesWritten } = await handle.write(job.bytes, offset, job.bytes.length - offset)
            if (bytesWritten === 0) break
            offset += bytesWritten
          }
          return offset
        } finally {
          await handle.close()
        }
      },
      catch: (error) => failure(`job ${job.jobId} failed: ${error instanceof Error ? error.message : String(error)}`)
    })
    if (written !== job.bytes.length) {
      return yield* failure(`job ${job.jobId}: the device took ${written} of ${job.bytes.length} bytes`)
    }
  })

  return {
    id: options.id,
    language: options.language,
    description: `${options.language} printer on ${options.path}`,
    send,
    status: Effect.succeed("Unknown")
  }
}
