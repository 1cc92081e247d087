/** Finding a free local port and waiting until something listens on one. */
import { createConnection, createServer } from "node:net"

/** A free port on `host`: bind port 0, read it, release it. Someone may take it in between; callers retry or fail loudly. */
export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Resolves once something accepts connections on 127.0.0.1:`port`; fails naming `what` after `timeoutMs`. */
export const waitForPort = async (port: number, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" })
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`)
}
