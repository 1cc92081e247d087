import { createConnection, createServer, type Socket } from "node:net"
import { PassThrough } from "node:stream"
import { afterEach, describe, expect, it, vi } from "vitest"
import { sendAtOnce } from "./sendAtOnce.ts"

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

describe("sendAtOnce", () => {
  it("turns Nagle's algorithm off on a TCP socket", async () => {
    const server = createServer((socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    closers.push(() => server.close())
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const socket: Socket = createConnection({ host: "127.0.0.1", port })
    closers.push(() => socket.destroy())
    await new Promise<void>((resolve) => socket.once("connect", resolve))
    const setNoDelay = vi.spyOn(socket, "setNoDelay")
    sendAtOnce(socket)
    expect(setNoDelay).toHaveBeenCalledWith(true)
  })

  it("leaves a stream without a socket option (a WebSocket's) as it is", () => {
    const stream = new PassThrough()
    expect(() => sendAtOnce(stream)).not.toThrow()
    expect(() => sendAtOnce(undefined)).not.toThrow()
  })
})
