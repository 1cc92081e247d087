/** A network printer on its raw port (9100): one TCP conversation per job, with a deadline. */
import { connect, type Socket } from "node:net"
import { Effect } from "effect"
import { type PrinterDevice, PrinterError, type PrinterStatus } from "../../core/print/Printer.ts"
import { parseEscPosStatus, realTimeStatusQuery, STATUS_QUERIES } from "./EscPosStatus.ts"
import { HOST_STATUS_QUERY, isCompleteHostStatus, parseHostStatus } from "./ZplHostStatus.ts"

export interface TcpPrinterOptions {
  readonly id: string
  readonly host: string
  /** Raw printing port; 9100 ("JetDirect") on label and receipt printers alike. */
  readonly port?: number
  readonly language: "zpl" | "escpos"
  /** Budget for connecting and handing over all bytes (or getting the status reply). */
  readonly timeoutMs?: number
}

type Outcome<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly unreachable: boolean; readonly message: string }

const unreachableCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "ETIMEDOUT"])

/**
 * Runs one TCP conversation with a deadline, destroying the socket when the deadline passes or
 * the fiber is interrupted, so no connection outlives the effect.
 */
const conversation = <A>(
  options: { readonly host: string; readonly port: number; readonly timeoutMs: number },
  talk: (socket: Socket, done: (outcome: Outcome<A>) => void) => void
): Effect.Effect<Outcome<A>> =>
  Effect.callback<Outcome<A>>((resume) => {
    let finished = false
    // No Nagle: a job is one write and a half-close, and on a real network a label's last partial segment would
    // otherwise wait for the printer's (delayed) ACK of the one before it.
    const socket = connect({ host: options.host, port: options.port, noDelay: true })
    const finish = (outcome: Outcome<A>) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed(outcome))
    }
    const timer = setTimeout(
      () => finish({ ok: false, unreachable: socket.connecting, message: `no answer within ${options.timeoutMs} ms` }),
      options.timeoutMs
    )
    socket.on("error", (error: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        unreachable: socket.connecting || unreachableCodes.has(error.code ?? ""),
        message: error.code ? `${error.code}: ${error.message}` : error.message
      })
    )
    socket.once("connect", () => talk(socket, finish))
    return Effect.sync(() => {
      finished = true
      clearTimeout(timer)
      socket.destroy()
    })
  })

/**
 * A label (ZPL) or receipt (ESC/POS) printer on the network, spoken to over raw TCP. A job is one
 * connection: connect, write every byte, half-close; `send` succeeds only after the last byte was
 * flushed to the socket. Status is asked on a separate connection (~HS or DLE EOT) and an
 * unreachable printer reports `Offline` instead of failing.
 */
export const makeTcpPrinter = (options: TcpPrinterOptions): PrinterDevice => {
  const port = options.port ?? 9100
  const timeoutMs = options.timeoutMs ?? 5000
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`printer ${options.id}: port ${port} must be an integer from 1 to 65535`)
  }
  if (!(timeoutMs > 0)) throw new Error(`printer ${options.id}: timeoutMs ${timeoutMs} must be positive`)
  if (options.host.trim() === "") throw new Error(`printer ${options.id}: host is empty`)
  const where = `${options.host}:${port}`
  const target = { host: options.host, port, timeoutMs }
  const failure = (status: PrinterStatus, message: string) =>
    new PrinterError({ printerId: options.id, status, message: `printer ${options.id} (${where}): ${message}` })

  const send = Effect.fn("TcpPrinter.send")(function* (job: { readonly jobId: string; readonly bytes: Uint8Array }) {
    const outcome = yield* conversation<void>(target, (socket, done) => {
      socket.on("close", () =>
        done({
          ok: false,
          unreachable: false,
          message: `connection closed after ${socket.bytesWritten} of ${job.bytes.length} bytes`
        })
      )
      socket.end(job.bytes, () => {
        if (socket.bytesWritten >= job.bytes.length) done({ ok: true, value: undefined })
      })
    })
    if (!outcome.ok) {
      return yield* failure(outcome.unreachable ? "Offline" : "Unknown", `job ${job.jobId} failed: ${outcome.message}`)
    }
  })

  const status = Effect.gen(function* () {
    const outcome = yield* conversation<PrinterStatus | undefined>(target, (socket, done) => {
      const chunks: Array<Buffer> = []
      const received = () => Buffer.concat(chunks)
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk)
        if (options.language === "zpl" && isCompleteHostStatus(received().toString("latin1"))) {
          done({ ok: true, value: parseHostStatus(received().toString("latin1")) })
        }
        if (options.language === "escpos" && received().length >= STATUS_QUERIES.length) {
          done({ ok: true, value: parseEscPosStatus(received()) })
        }
      })
      socket.on("close", () =>
        done({ ok: false, unreachable: false, message: `connection closed after ${received().length} status bytes` })
      )
      socket.write(
        options.language === "zpl"
          ? Buffer.from(HOST_STATUS_QUERY, "latin1")
          : Buffer.concat(STATUS_QUERIES.map((n) => realTimeStatusQuery(n)))
      )
    })
    if (!outcome.ok) {
      if (outcome.unreachable) return "Offline" as const
      return yield* failure("Unknown", `status query failed: ${outcome.message}`)
    }
    if (outcome.value === undefined) return yield* failure("Unknown", "status reply is malformed")
    return outcome.value
  }).pipe(Effect.withSpan("TcpPrinter.status"))

  return {
    id: options.id,
    language: options.language,
    description: `${options.language === "zpl" ? "ZPL label" : "ESC/POS receipt"} printer at ${where}`,
    send,
    status
  }
}
