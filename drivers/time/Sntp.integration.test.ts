import { createSocket, type Socket } from "node:dgram"
import { afterEach, describe, expect, it } from "vitest"
import { waitFor } from "../../fixtures/waitFor.ts"
import { stampArrival } from "../scanner/stampArrival.ts"
import { forgetNtpOffset, knownNtpOffsetMs, parseNtpServer, querySntp, startNtpPolling } from "./Sntp.ts"
import { systemTimestamp } from "./SystemClock.ts"

const NTP_UNIX_OFFSET_S = 2_208_988_800

type Answer = (request: Buffer) => Buffer | undefined

/** A real UDP NTP server on loopback that answers as `answer` says (undefined: not at all). */
const startNtpServer = async (answer: Answer) => {
  const socket: Socket = createSocket("udp4")
  socket.on("message", (request, from) => {
    const reply = answer(request)
    if (reply !== undefined) socket.send(reply, from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
  return { port: socket.address().port, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) }
}

const writeTime = (buffer: Buffer, at: number, ms: number) => {
  const seconds = Math.floor(ms / 1000)
  buffer.writeUInt32BE(seconds + NTP_UNIX_OFFSET_S, at)
  buffer.writeUInt32BE(Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32), at + 4)
}

/** The server's answer: it received the request at `receivedMs` and sent the answer at `sentMs`, on its clock. */
const serverReply = (request: Buffer, receivedMs: number, sentMs: number, stratum = 2) => {
  const reply = Buffer.alloc(48)
  reply[0] = (4 << 3) | 4 // version 4, mode 4 (server)
  reply[1] = stratum
  request.copy(reply, 24, 40, 48) // originate = the client's transmit time
  writeTime(reply, 32, receivedMs)
  writeTime(reply, 40, sentMs)
  return reply
}

/** The answer of a server whose clock runs `skewMs` ahead of ours. */
const skewedReply = (request: Buffer, skewMs: number, stratum = 2) =>
  serverReply(request, Date.now() + skewMs, Date.now() + skewMs, stratum)

const servers: Array<{ close: () => Promise<void> }> = []
const stops: Array<() => void> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  for (const server of servers.splice(0)) await server.close()
  forgetNtpOffset()
})

describe("SNTP against a real UDP server on loopback", () => {
  it("measures the server's offset from our clock, and the round trip without the server's time", async () => {
    // Both clocks are the test's, so a loaded machine's delays do not enter the figures: the request takes 40 ms on
    // its way, the server, whose clock runs 1.5 s ahead of ours, 5 ms to answer, and the answer 10 ms back.
    let clockMs = Date.UTC(2026, 0, 15, 12, 0, 0, 250)
    const server = await startNtpServer((request) => {
      clockMs += 40
      const receivedMs = clockMs + 1_500
      clockMs += 5
      const sentMs = clockMs + 1_500
      clockMs += 10
      return serverReply(request, receivedMs, sentMs)
    })
    servers.push(server)
    const sample = await querySntp("127.0.0.1", server.port, 2_000, () => clockMs)
    // ((received - our send) + (sent - our receipt)) / 2 = (1,540 + 1,490) / 2: the uneven ways show as 15 ms.
    expect(sample.offsetMs).toBeCloseTo(1_515, 3)
    expect(sample.roundTripMs).toBeCloseTo(50, 3)
    expect(sample.stratum).toBe(2)
  })

  it("refuses replies that do not answer the request, say kiss of death, or are cut short, and names a silent server", async () => {
    const wrongOriginate = await startNtpServer((request) => {
      const reply = skewedReply(request, 0)
      reply.writeUInt32BE(1, 24)
      return reply
    })
    const kiss = await startNtpServer((request) => {
      const reply = skewedReply(request, 0, 0)
      reply.write("RATE", 12, "latin1")
      return reply
    })
    const short = await startNtpServer(() => Buffer.alloc(20))
    const silent = await startNtpServer(() => undefined)
    servers.push(wrongOriginate, kiss, short, silent)
    await expect(querySntp("127.0.0.1", wrongOriginate.port)).rejects.toThrow("the reply does not answer our request")
    await expect(querySntp("127.0.0.1", kiss.port)).rejects.toThrow("kiss of death (RATE)")
    await expect(querySntp("127.0.0.1", short.port)).rejects.toThrow("reply of 20 bytes, expected at least 48")
    await expect(querySntp("127.0.0.1", silent.port, 300)).rejects.toThrow(
      `NTP server 127.0.0.1:${silent.port} did not answer within 300 ms`
    )
  })

  it("stamps every timestamp with the known offset, and forgets it when the server stays away", async () => {
    expect(systemTimestamp().ntpOffsetMs).toBeUndefined()
    // A minute behind ours. The polling measures on the real clock: an answer within the timeout is off by at most
    // half its round trip, so the figures are checked to that, and a loaded machine's delays stay inside it.
    const skewMs = -60_000
    // Far above a loaded machine's stalls: a poll that timed out while the server answered would be a second warning.
    const timeoutMs = 2_000
    let answering = true
    /** When each request the server left unanswered came. */
    const unanswered: Array<number> = []
    const server = await startNtpServer((request) => {
      if (answering) return skewedReply(request, skewMs)
      unanswered.push(Date.now())
      return undefined
    })
    servers.push(server)
    const reports: Array<string> = []
    stops.push(
      startNtpPolling({
        server: `127.0.0.1:${server.port}`,
        intervalMs: 150,
        timeoutMs,
        report: (level, message) => reports.push(`${level}: ${message}`)
      })
    )
    await waitFor("a known NTP offset", () => knownNtpOffsetMs() !== undefined)
    const known = knownNtpOffsetMs()
    const stamps = [systemTimestamp(), stampArrival()]
    expect(Math.abs((known ?? 0) - skewMs)).toBeLessThanOrEqual(timeoutMs / 2)
    for (const stamp of stamps) expect(stamp.ntpOffsetMs).toBe(known)
    answering = false
    // Three intervals without an answer: the station no longer claims to know its offset.
    await waitFor("the NTP offset to be forgotten", () => knownNtpOffsetMs() === undefined)
    expect(systemTimestamp().ntpOffsetMs).toBeUndefined()
    const warning = `warning: NTP server 127.0.0.1:${server.port} did not answer within ${timeoutMs} ms; events keep no NTP offset meanwhile`
    await waitFor("the warning that the server does not answer", () => reports.includes(warning), timeoutMs + 5_000)
    // Said once, not once per unanswered poll: by now a second one has timed out too.
    await waitFor(
      "the second unanswered poll's timeout",
      () => unanswered.length >= 2 && Date.now() > unanswered[1]! + timeoutMs,
      timeoutMs + 5_000
    )
    expect(reports[0]).toMatch(/^info: NTP 127\.0\.0\.1:\d+ answers: offset -\d+ ms$/)
    const reportedMs = Number(/offset (-\d+) ms$/.exec(reports[0] ?? "")?.[1])
    expect(Math.abs(reportedMs - skewMs)).toBeLessThanOrEqual(timeoutMs / 2)
    expect(reports.filter((line) => line.startsWith("warning:"))).toEqual([warning])
  })

  it("reads host, host:port and [v6]:port", () => {
    expect(parseNtpServer("ntp.example.com")).toEqual({ host: "ntp.example.com", port: 123 })
    expect(parseNtpServer("10.0.0.5:1123")).toEqual({ host: "10.0.0.5", port: 1123 })
    expect(parseNtpServer("[::1]:1123")).toEqual({ host: "::1", port: 1123 })
  })
})
