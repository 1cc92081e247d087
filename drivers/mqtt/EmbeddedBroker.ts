/** The zero-config MQTT broker (aedes on loopback) a station runs when none is configured. */
import { createServer, type Server, type Socket } from "node:net"
import { Duplex } from "node:stream"
import { Aedes, type Client } from "aedes"
import { type BrokerPrincipal, mayPublish, mayRead, maySubscribe, mayUseClientId } from "../../core/sync/BrokerRoles.ts"
import { principalOf, readBrokerUsers, verifyBrokerPassword } from "./BrokerLogins.ts"
import { makePacketSizeGuard } from "./PacketSizeGuard.ts"

export interface EmbeddedBroker {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

/**
 * Who may connect. `users`: the user table in `usersFile` (read at every CONNECT, so a user added while the broker
 * runs can log in at once), each client held to its role's topics (`core/sync/BrokerRoles.ts`). `open`: anyone,
 * anything, for tests and the benchmark's unauthenticated figure only; a station never starts it so.
 */
export type EmbeddedBrokerAccess = { readonly kind: "open" } | { readonly kind: "users"; readonly usersFile: string }

export interface EmbeddedBrokerOptions {
  readonly host?: string
  readonly port?: number
  readonly access: EmbeddedBrokerAccess
  /** The largest MQTT packet a client may send; a larger one closes its connection at the header. */
  readonly maxPacketBytes?: number
  /** Connections at once; more are closed as they arrive. */
  readonly maxConnections?: number
  /** Refused logins, publishes and subscriptions, one line each (never a password). */
  readonly log?: (line: string) => void
}

/** 1 MiB: a catalog update of a few thousand items fits; a shop sends a larger catalog in parts. */
export const DEFAULT_MAX_PACKET_BYTES = 1_048_576
export const DEFAULT_MAX_CONNECTIONS = 256

/** MQTT 3.1.1 §3.2.2.3 CONNACK return codes the broker answers a refused login with. */
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5

const refusal = (message: string, returnCode: number) => Object.assign(new Error(message), { returnCode })

/**
 * The socket as aedes reads it, with every packet measured on the way in: a packet whose header announces more than
 * `maxPacketBytes` closes the connection before its body is read, so no client makes the broker buffer it.
 */
const guardedConnection = (socket: Socket, maxPacketBytes: number, tooLarge: (why: string) => void): Duplex => {
  const guard = makePacketSizeGuard(maxPacketBytes)
  const connection = new Duplex({
    read: () => {
      socket.resume()
    },
    write: (chunk, encoding, callback) => {
      if (socket.write(chunk, encoding)) callback()
      else socket.once("drain", () => callback())
    },
    // mqtt-packet corks the stream and writes a packet in pieces (header, topic, payload): handed to the socket one
    // by one they leave as separate small segments, and Nagle's algorithm holds each next one until the peer's
    // delayed ACK (tens of milliseconds per packet, the order feed's PUBACK wait). Corked, they leave as one write.
    writev: (chunks, callback) => {
      socket.cork()
      let flushed = true
      for (const { chunk, encoding } of chunks) flushed = socket.write(chunk, encoding as BufferEncoding) && flushed
      socket.uncork()
      if (flushed) callback()
      else socket.once("drain", () => callback())
    },
    final: (callback) => {
      socket.end(() => callback())
    },
    destroy: (error, callback) => {
      socket.destroy()
      callback(error)
    }
  })
  socket.on("data", (chunk: Buffer) => {
    const problem = guard.feed(chunk)
    if (problem !== undefined) {
      tooLarge(problem)
      socket.destroy()
      return
    }
    if (!connection.push(chunk)) socket.pause()
  })
  socket.on("end", () => connection.push(null))
  socket.on("error", (error) => connection.destroy(error))
  socket.on("close", () => connection.destroy())
  return connection
}

/**
 * The zero-config broker: aedes on loopback, in memory. It speaks MQTT 3.1.1 only (aedes has no MQTT 5 yet), so
 * clients of the embedded broker connect with protocol version 4, and nothing the sync engine relies on for
 * correctness may come from MQTT 5 features: ids and sequence numbers travel in the payload as well.
 *
 * With `users` access every client logs in (anonymous CONNECTs are refused with "bad user name or password"), a
 * station only with its own client id and last will, and every PUBLISH and SUBSCRIBE is held to the client's role:
 * a refused publish closes the connection (MQTT 3.1.1 has no negative PUBACK, §3.3.5), a refused subscription is
 * answered 0x80. Packets are bounded in size and connections in number, whatever the access.
 */
export const startEmbeddedBroker = async (options: EmbeddedBrokerOptions) => {
  const host = options.host ?? "127.0.0.1"
  const log = options.log ?? (() => {})
  const access = options.access
  const principals = new WeakMap<Client, BrokerPrincipal>()
  const principalOfClient = (client: Client | null) => (client === null ? undefined : principals.get(client))

  const aedes = await Aedes.createBroker({
    connectTimeout: 10_000,
    maxClientsIdLength: 128,
    ...(access.kind === "open"
      ? {}
      : {
          authenticate: (client, username, password, done) => {
            const clientId = client.id
            const fail = (message: string, code: number) => {
              log(`MQTT: refused the login of client ${clientId}${username ? ` as ${username}` : ""}: ${message}`)
              done(refusal(message, code), false)
            }
            if (username === undefined || password === undefined) {
              return fail("anonymous clients are not allowed", BAD_USERNAME_OR_PASSWORD)
            }
            let user: ReturnType<typeof readBrokerUsers>[number] | undefined
            try {
              user = readBrokerUsers(access.usersFile).find((candidate) => candidate.username === username)
            } catch (error) {
              return fail(`the user table cannot be read (${(error as Error).message})`, NOT_AUTHORIZED)
            }
            const principal = user === undefined ? undefined : principalOf(user)
            verifyBrokerPassword(user?.passwordHash ?? "", password.toString("utf8")).then(
              (matches) => {
                if (user === undefined || principal === undefined || !matches) {
                  return fail("unknown user or wrong password", BAD_USERNAME_OR_PASSWORD)
                }
                if (!mayUseClientId(principal, clientId)) {
                  return fail(`client id ${clientId} is not this station's`, NOT_AUTHORIZED)
                }
                const will = (client as Client & { _will?: { topic: string } })._will
                if (will?.topic !== undefined && !mayPublish(principal, will.topic)) {
                  return fail(`last will on ${will.topic} is not this client's to publish`, NOT_AUTHORIZED)
                }
                principals.set(client, principal)
                done(null, true)
              },
              (error: unknown) => fail(`the password check failed (${String(error)})`, NOT_AUTHORIZED)
            )
          },
          authorizePublish: (client, packet, done) => {
            // A will aedes publishes for a client that is gone comes without one; it was checked at its CONNECT.
            if (client === null) return done(null)
            const principal = principalOfClient(client)
            if (principal !== undefined && mayPublish(principal, packet.topic)) return done(null)
            log(`MQTT: refused a publish of ${client.id} (${principal?.role ?? "unknown"}) on ${packet.topic}`)
            done(new Error(`not authorized to publish on ${packet.topic}`))
          },
          authorizeSubscribe: (client, subscription, done) => {
            const principal = principalOfClient(client)
            if (principal !== undefined && maySubscribe(principal, subscription.topic)) {
              return done(null, subscription)
            }
            log(
              `MQTT: refused a subscription of ${client.id} (${principal?.role ?? "unknown"}) to ${subscription.topic}`
            )
            done(null, null)
          },
          // Retained messages and a restored session's queue are delivered without a SUBSCRIBE check: hold each to
          // the client's read rights as well.
          authorizeForward: (client, packet) => {
            const principal = principalOfClient(client)
            return principal !== undefined && mayRead(principal, packet.topic) ? packet : null
          }
        })
  })

  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES
  // A broker answers small packets (PUBACK, SUBACK, forwarded publishes) that a client waits for: sent at once.
  const server: Server = createServer({ noDelay: true }, (socket) => {
    const connection = guardedConnection(socket, maxPacketBytes, (problem) =>
      log(`MQTT: closed the connection from ${socket.remoteAddress ?? "?"}: ${problem}`)
    )
    aedes.handle(connection as unknown as Socket)
  })
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  })
  server.on("drop", () => log(`MQTT: refused a connection: ${server.maxConnections} are open already`))
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
