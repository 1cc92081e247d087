import { createConnection, createServer, type Server, type Socket } from "node:net"

/**
 * A TCP proxy on loopback between a client and a broker that the test owns: it can cut every live connection
 * (both directions at once, mid-packet if data is flowing) to play a flapping network, or go dark (cut and refuse
 * every new connection) until told otherwise, to play an outage the client cannot get around by reconnecting.
 */
export const startCuttingProxy = async (target: { readonly host: string; readonly port: number }) => {
  const pairs = new Set<readonly [Socket, Socket]>()
  let cuts = 0
  let dark = false
  const cutAll = () => {
    for (const [inbound, outbound] of pairs) {
      inbound.destroy()
      outbound.destroy()
    }
    cuts += 1
  }
  const server: Server = createServer((inbound) => {
    if (dark) {
      inbound.destroy()
      return
    }
    const outbound = createConnection(target)
    const pair = [inbound, outbound] as const
    pairs.add(pair)
    const close = () => {
      pairs.delete(pair)
      inbound.destroy()
      outbound.destroy()
    }
    inbound.on("error", close)
    outbound.on("error", close)
    inbound.on("close", close)
    outbound.on("close", close)
    inbound.pipe(outbound)
    outbound.pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    cutAll,
    /** Dark: cut every connection and refuse new ones until `setDark(false)`. */
    setDark: (on: boolean) => {
      dark = on
      if (on) cutAll()
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const [inbound, outbound] of pairs) {
          inbound.destroy()
          outbound.destroy()
        }
        server.close(() => resolve())
      })
  }
}
