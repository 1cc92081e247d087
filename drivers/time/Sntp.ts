/** An SNTP client that measures the wall clock's offset from an NTP server. */
import { createSocket } from "node:dgram"
import { Effect } from "effect"

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_OFFSET_S = 2_208_988_800
const TWO_32 = 4_294_967_296

/** One answer of an NTP server: how far our wall clock is off (server minus local) and what measuring it cost. */
export interface SntpSample {
  readonly offsetMs: number
  readonly roundTripMs: number
  readonly stratum: number
}

export class SntpError extends Error {
  override readonly name = "SntpError"
}

const writeNtpTime = (buffer: Buffer, at: number, ms: number) => {
  const seconds = Math.floor(ms / 1000)
  buffer.writeUInt32BE(seconds + NTP_UNIX_OFFSET_S, at)
  buffer.writeUInt32BE(Math.floor(((ms - seconds * 1000) / 1000) * TWO_32), at + 4)
}

const readNtpTime = (buffer: Buffer, at: number) =>
  (buffer.readUInt32BE(at) - NTP_UNIX_OFFSET_S) * 1000 + (buffer.readUInt32BE(at + 4) / TWO_32) * 1000

/**
 * Reads the offset of an NTP server's clock from ours (SNTP, RFC 4330): one client request, the server's receive and
 * transmit times against our send and receive times. A reply that does not answer our request (another originate
 * time), comes from no server, or says "kiss of death" (stratum 0) is refused with the reason.
 */
export const querySntp = (
  host: string,
  port = 123,
  timeoutMs = 2_000,
  now: () => number = Date.now
): Promise<SntpSample> =>
  new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4")
    const request = Buffer.alloc(48)
    request[0] = (4 << 3) | 3 // version 4, mode 3 (client)
    const sentAt = now()
    writeNtpTime(request, 40, sentAt)
    const originate = request.subarray(40, 48)
    const finish = (outcome: () => void) => {
      clearTimeout(timer)
      socket.close()
      outcome()
    }
    const timer = setTimeout(
      () => finish(() => reject(new SntpError(`NTP server ${host}:${port} did not answer within ${timeoutMs} ms`))),
      timeoutMs
    )
    socket.on("error", (error) => finish(() => reject(new SntpError(`NTP server ${host}:${port}: ${error.message}`))))
    socket.on("message", (reply) => {
      const receivedAt = now()
      const refuse = (why: string) => finish(() => reject(new SntpError(`NTP server ${host}:${port}: ${why}`)))
      if (reply.length < 48) return refuse(`reply of ${reply.length} bytes, expected at least 48`)
      const mode = (reply[0] ?? 0) & 0x07
      if (mode !== 4) return refuse(`reply in mode ${mode}, expected 4 (server)`)
      const stratum = reply[1] ?? 0
      if (stratum === 0) return refuse(`kiss of death (${reply.subarray(12, 16).toString("latin1")}): stop asking`)
      if (!reply.subarray(24, 32).equals(originate)) return refuse("the reply does not answer our request")
      const serverReceived = readNtpTime(reply, 32)
      const serverSent = readNtpTime(reply, 40)
      finish(() =>
        resolve({
          offsetMs: (serverReceived - sentAt + (serverSent - receivedAt)) / 2,
          roundTripMs: receivedAt - sentAt - (serverSent - serverReceived),
          stratum
        })
      )
    })
    socket.send(request, port, host, (error) => {
      if (error) finish(() => reject(new SntpError(`NTP server ${host}:${port}: ${error.message}`)))
    })
  })

/** `host`, `host:port` or `[v6]:port`. */
export const parseNtpServer = (server: string): { readonly host: string; readonly port: number } => {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server)
  if (v6 !== null) return { host: v6[1]!, port: v6[2] === undefined ? 123 : Number(v6[2]) }
  const [host, port] = server.split(":")
  return { host: host!, port: port === undefined ? 123 : Number(port) }
}

let known: { readonly offsetMs: number; readonly atMs: number; readonly validForMs: number } | undefined

/** The last offset an NTP server told us, while it is fresh; undefined when the station does not know one. */
export const knownNtpOffsetMs = (): number | undefined =>
  known !== undefined && Date.now() - known.atMs <= known.validForMs ? Math.round(known.offsetMs) : undefined

/**
 * Asks the NTP server now and then every `intervalMs`, and keeps the offset every timestamp of this process reports
 * (`knownNtpOffsetMs`). The offset is recorded, never applied: the operating system disciplines the clock. An offset
 * older than three intervals is forgotten, so a station that lost its server says it does not know. Failures go to
 * `report` when they start and when they change, and recovery too; the returned function stops the polling.
 */
export const startNtpPolling = (options: {
  readonly server: string
  readonly intervalMs: number
  readonly timeoutMs?: number
  readonly report: (level: "info" | "warning", message: string) => void
}): (() => void) => {
  const { host, port } = parseNtpServer(options.server)
  let lastProblem: string | undefined
  let answered = false
  let stopped = false
  const poll = async () => {
    try {
      const sample = await querySntp(host, port, options.timeoutMs ?? 2_000)
      if (stopped) return
      known = { offsetMs: sample.offsetMs, atMs: Date.now(), validForMs: options.intervalMs * 3 }
      if (!answered || lastProblem !== undefined) {
        options.report("info", `NTP ${options.server} answers: offset ${Math.round(sample.offsetMs)} ms`)
      }
      answered = true
      lastProblem = undefined
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (message !== lastProblem) options.report("warning", `${message}; events keep no NTP offset meanwhile`)
      lastProblem = message
    }
  }
  void poll()
  const timer = setInterval(() => void poll(), options.intervalMs)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
  }
}

/** The polling as a scoped resource: it runs while the scope is open and stops when it closes. */
export const ntpPolling = (options: Parameters<typeof startNtpPolling>[0]) =>
  Effect.acquireRelease(
    Effect.sync(() => startNtpPolling(options)),
    (stop) => Effect.sync(stop)
  ).pipe(Effect.asVoid)

/** Forgets the known offset (tests, and a station whose NTP server was taken out of its config). */
export const forgetNtpOffset = () => {
  known = undefined
}
