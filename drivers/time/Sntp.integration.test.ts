import { createSocket, type Socket } from "node:dgram"
import { afterEach, describe, expect, it } from "vitest"
import { waitFor } from "../../fixtures/waitFor.ts"
import { stampArrival } from "../scanner/stampArrival.ts"
import { forgetNtpOffset, knownNtpOffsetMs, parseNtpServer, querySntp, startNtpPolling } from "./Sntp.ts"
import { systemTimestamp } from "./SystemClock.ts"

const NTP_UNIX_OFFSET_S = 2_208_988_800

type Answer = (request: Buffer) => Buffer | undefined

/** A real UDP NTP server on loopback whose clock runs `skewMs` ahead of ours, or that answers as `answer` says
 * (undefined: not at all). */
const startNtpServer = async (skewMs: number, answer?: Answer) => {
  const socket: Socket = createSocket("udp4")
  socket.on("message", (request, from) => {
    const reply = answer === undefined ? serverReply(request, skewMs) : answer(request)
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

const serverReply = (request: Buffer, skewMs: number, stratum = 2) => {
  const reply = Buffer.alloc(48)
  reply[0] = (4 << 3) | 4 // version 4, mode 4 (server)
  reply[1] = stratum
  request.copy(reply, 24, 40, 48) // originate = the client's transmit time
  writeTime(reply, 32, Date.now() + skewMs)
  writeTime(reply, 40, Date.now() + skewMs)
  return reply
}

const servers: Array<{ close: () => Promise<void> }> = []
const stops: Array<() => void> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  for (const server of servers.splice(0)) await server.close()
  forgetNtpOffset()
})

describe("SNTP against a real UDP server on loopback", () => {
  it("measures the server's offset from our clock", async () => {
    const server = await startNtpServer(1_500)
    servers.push(server)
    const sample = await querySntp("127.0.0.1", server.port)
    expect(sample.offsetMs).toBeGreaterThan(1_450)
    expect(sample.offsetMs).toBeLessThan(1_550)
    expect(sample.roundTripMs).toBeGreaterThanOrEqual(0)
    expect(sample.stratum).toBe(2)
  })

  it("refuses replies that do not answer the request, say kiss of death, or are cut short, and names a silent server", async () => {
    const wrongOriginate = await startNtpServer(0, (request) => {
      const reply = serverReply(request, 0)
      reply.writeUInt32BE(1, 24)
      return reply
    })
    const kiss = await startNtpServer(0, (request) => {
      const reply = serverReply(request, 0, 0)
      reply.write("RATE", 12, "latin1")
      return reply
    })
    const short = await startNtpServer(0, () => Buffer.alloc(20))
    const silent = await startNtpServer(0, () => undefined)
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
    const server = await startNtpServer(-800)
    const reports: Array<string> = []
    stops.push(
      startNtpPolling({
        server: `127.0.0.1:${server.port}`,
        intervalMs: 150,
        timeoutMs: 100,
        report: (level, message) => reports.push(`${level}: ${message}`)
      })
    )
    await waitFor("a known NTP offset", () => knownNtpOffsetMs() !== undefined)
    for (const stamp of [systemTimestamp(), stampArrival()]) {
      expect(stamp.ntpOffsetMs).toBeGreaterThan(-850)
      expect(stamp.ntpOffsetMs).toBeLessThan(-750)
    }
    await server.close()
    // Three intervals without an answer: the station no longer claims to know its offset.
    await waitFor("the NTP offset to be forgotten", () => knownNtpOffsetMs() === undefined)
    expect(systemTimestamp().ntpOffsetMs).toBeUndefined()
    expect(reports[0]).toMatch(/^info: NTP 127\.0\.0\.1:\d+ answers: offset -(7[5-9]\d|8[0-4]\d) ms$/)
    expect(reports.filter((line) => line.startsWith("warning:"))).toEqual([
      `warning: NTP server 127.0.0.1:${server.port} did not answer within 100 ms; events keep no NTP offset meanwhile`
    ])
  })

  it("reads host, host:port and [v6]:port", () => {
    expect(parseNtpServer("ntp.example.com")).toEqual({ host: "ntp.example.com", port: 123 })
    expect(parseNtpServer("10.0.0.5:1123")).toEqual({ host: "10.0.0.5", port: 1123 })
    expect(parseNtpServer("[::1]:1123")).toEqual({ host: "::1", port: 1123 })
  })
})
