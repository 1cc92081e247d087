/** A TCP :9100 printer on loopback that renders every job it receives to PDF and PNG. */
import { mkdir, writeFile } from "node:fs/promises"
import { createServer, type Server, type Socket } from "node:net"
import { join } from "node:path"
import { validateZpl } from "../../core/label/validateZpl.ts"
import { renderEscPos } from "./EscPosRenderer.ts"
import { escPosStatusByte } from "./EscPosStatus.ts"
import { pdfToPng } from "./pdfToPng.ts"
import type { SimulatedPrinterState } from "./SimulatedPrinterState.ts"
import { formatHostStatus, HOST_STATUS_QUERY } from "./ZplHostStatus.ts"
import { renderZpl } from "./ZplRenderer.ts"

export interface SimulatedJob {
  readonly id: number
  readonly bytes: Uint8Array
  /** The raw job as received. */
  readonly file: string
  readonly stateAtReceipt: SimulatedPrinterState
  /** `performance.now()` of this process when the job's last byte arrived: where a label counts as delivered. */
  readonly lastByteAt: number
  /** ZPL well-formedness problems (`validateZpl`); empty for ESC/POS and for good ZPL. */
  readonly problems: ReadonlyArray<string>
  readonly pdf?: string
  readonly pngs: ReadonlyArray<string>
  /** Why rendering failed, when it did; the raw job is kept either way. */
  readonly renderError?: string
}

export interface PrinterSimulatorOptions {
  /** 9100 unless given; 0 picks a free port (tests). */
  readonly port?: number
  readonly host?: string
  /** Where every job's bytes and renderings are written. */
  readonly dir: string
  readonly language: "zpl" | "escpos"
  /** Label printer resolution; receipts are always 203 dpi. */
  readonly dpi?: 203 | 300
  readonly state?: SimulatedPrinterState
  /** Render every job to PDF and PNG (default); off, only the raw bytes are kept, for load runs. */
  readonly render?: boolean
}

export interface PrinterSimulator {
  readonly port: number
  readonly close: () => Promise<void>
  readonly jobs: () => ReadonlyArray<SimulatedJob>
  /** Resolves once `count` jobs are recorded and rendered. */
  readonly waitForJobs: (count: number, timeoutMs?: number) => Promise<ReadonlyArray<SimulatedJob>>
  readonly state: () => SimulatedPrinterState
  /** `offline` stops listening (connections are refused); any other state listens again on the same port. */
  readonly setState: (state: SimulatedPrinterState) => Promise<void>
}

const hostStatusQuery = Buffer.from(HOST_STATUS_QUERY, "latin1")

/**
 * Strips the status queries a connection starts with, answering each: ~HS for ZPL, DLE EOT n for
 * ESC/POS. Only leading queries count, as a status connection sends nothing else, and a DLE EOT
 * byte pair inside raster image data must not be taken for a query.
 */
const answerLeadingQueries = (
  buffer: Buffer,
  language: "zpl" | "escpos",
  state: SimulatedPrinterState,
  reply: (bytes: Buffer) => void
): Buffer => {
  let rest = buffer
  for (;;) {
    if (language === "zpl") {
      const first = rest.findIndex((b) => b !== 0x0d && b !== 0x0a)
      if (first === -1) return Buffer.alloc(0)
      rest = rest.subarray(first)
      if (!rest.subarray(0, 3).equals(hostStatusQuery)) return rest
      reply(Buffer.from(formatHostStatus(state), "latin1"))
      rest = rest.subarray(3)
    } else {
      if (rest[0] !== 0x10 || rest[1] !== 0x04 || rest.length < 3) return rest
      reply(Buffer.of(escPosStatusByte(rest[2]!, state)))
      rest = rest.subarray(3)
    }
  }
}

/**
 * A label or receipt printer on a real TCP port. Every connection is one job: its bytes (minus
 * leading status queries) are written to `dir` and rendered to PDF and PNG as the paper would
 * look, so the station UI and a person can see what was printed.
 */
export const start = async (options: PrinterSimulatorOptions): Promise<PrinterSimulator> => {
  const dpi = options.language === "zpl" ? (options.dpi ?? 203) : 203
  const host = options.host ?? "127.0.0.1"
  await mkdir(options.dir, { recursive: true })
  let state: SimulatedPrinterState = options.state ?? "online"
  let nextId = 1
  const recorded: Array<SimulatedJob> = []
  const waiters = new Set<() => void>()
  const sockets = new Set<Socket>()
  const pending = new Set<Promise<void>>()
  let recording: Promise<unknown> = Promise.resolve()

  const record = async (bytes: Buffer, stateAtReceipt: SimulatedPrinterState, lastByteAt: number) => {
    const id = nextId++
    const base = join(options.dir, `job-${String(id).padStart(4, "0")}`)
    const file = `${base}.${options.language === "zpl" ? "zpl" : "escpos"}`
    await writeFile(file, bytes)
    const problems = options.language === "zpl" ? validateZpl(bytes) : []
    let job: SimulatedJob = { id, bytes: new Uint8Array(bytes), file, stateAtReceipt, lastByteAt, problems, pngs: [] }
    if (options.render === false) {
      recorded.push(job)
      for (const wake of waiters) wake()
      return
    }
    try {
      const rendered =
        options.language === "zpl" ? await renderZpl(bytes, dpi) : { pdf: await renderEscPos(bytes), pages: 1 }
      await writeFile(`${base}.pdf`, rendered.pdf)
      const pngs: Array<string> = []
      for (let page = 1; page <= rendered.pages; page++) {
        const png = rendered.pages === 1 ? `${base}.png` : `${base}-${page}.png`
        await writeFile(png, await pdfToPng(rendered.pdf, dpi, page))
        pngs.push(png)
      }
      job = { ...job, pdf: `${base}.pdf`, pngs }
    } catch (error) {
      job = { ...job, renderError: error instanceof Error ? error.message : String(error) }
    }
    recorded.push(job)
    for (const wake of waiters) wake()
  }

  const onConnection = (socket: Socket) => {
    sockets.add(socket)
    const chunks: Array<Buffer> = []
    let sawJobData = false
    let lastByteAt = 0
    socket.on("data", (chunk: Buffer) => {
      lastByteAt = performance.now()
      if (sawJobData) return void chunks.push(chunk)
      const rest = answerLeadingQueries(chunk, options.language, state, (reply) => socket.write(reply))
      if (rest.length > 0) {
        sawJobData = true
        chunks.push(rest)
      }
    })
    socket.on("error", () => socket.destroy())
    socket.on("close", () => {
      sockets.delete(socket)
      if (chunks.length === 0) return
      // Recorded one after another, in the order the jobs arrived: a job's number is its place in `jobs()`.
      const bytes = Buffer.concat(chunks)
      const stateAtReceipt = state
      const task = recording.then(() => record(bytes, stateAtReceipt, lastByteAt))
      recording = task.catch(() => undefined)
      pending.add(task)
      void task.finally(() => pending.delete(task))
    })
    socket.on("end", () => socket.end())
  }

  let server: Server | undefined
  let port = options.port ?? 9100
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(onConnection)
      next.once("error", reject)
      next.listen(port, host, () => {
        next.off("error", reject)
        const address = next.address()
        if (address !== null && typeof address === "object") port = address.port
        server = next
        resolve()
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const current = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      if (current === undefined) return resolve()
      current.close(() => resolve())
    })

  if (state !== "offline") await listen()
  else {
    await listen()
    await stopListening()
  }

  return {
    get port() {
      return port
    },
    close: async () => {
      await stopListening()
      await Promise.allSettled([...pending])
    },
    jobs: () => [...recorded],
    waitForJobs: (count, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (recorded.length < count) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve([...recorded])
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`printer simulator: ${recorded.length} of ${count} jobs after ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.add(check)
        check()
      }),
    state: () => state,
    setState: async (next) => {
      const wasListening = server !== undefined
      state = next
      if (next === "offline" && wasListening) await stopListening()
      if (next !== "offline" && !wasListening) await listen()
    }
  }
}
