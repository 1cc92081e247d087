/** The zero-config MQTT broker (aedes on loopback) a station runs when none is configured. */
import { createServer, type Server, type Socket } from "node:net"
import { Aedes } from "aedes"

export interface EmbeddedBroker {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

/**
 * The zero-config broker: aedes on loopback, in memory. It speaks MQTT 3.1.1 only (aedes has no MQTT 5 yet), so
 * clients of the embedded broker connect with protocol version 4, and nothing the sync engine relies on for
 * correctness may come from MQTT 5 features: ids and sequence numbers travel in the payload as well.
 */
export const startEmbeddedBroker = async (options: { readonly host?: string; readonly port?: number } = {}) => {
  const host = options.host ?? "127.0.0.1"
  const aedes = await Aedes.createBroker()
  const server: Server = createServer(aedes.handle)
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    // aedes runs a heartbeat timer from its creation on: close it, or a failed start keeps the process alive.
    const failed = (error: Error) => aedes.close(() => reject(error))
    server.once("error", failed)
    server.listen(options.port ?? 1883, host, () => {
      server.off("error", failed)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 1883)
  const broker: EmbeddedBroker = {
    url: `mqtt://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => aedes.close(() => resolve()))
        for (const socket of sockets) socket.destroy()
      })
  }
  return broker
}
