import { mkdtempSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { startTestSmtpServer, type TestSmtpServerOptions } from "../../../fixtures/mail/TestSmtpServer.ts"
import { makeTestPki } from "../../../fixtures/mqtt/TestPki.ts"
import { Mailer, MailerError, type OutgoingMail } from "../../core/notify/Mailer.ts"
import { layerSmtpMailer, type SmtpMailerOptions, smtpConnectionOf } from "./SmtpMailer.ts"
import { makeSmtpPool } from "./SmtpPool.ts"

const servers: Array<Awaited<ReturnType<typeof startTestSmtpServer>>> = []
const silentServers: Array<{ readonly server: Server; readonly sockets: Set<Socket> }> = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop()
  for (const { server, sockets } of silentServers.splice(0)) {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
})

const smtpServer = async (options: TestSmtpServerOptions = {}) => {
  const smtp = await startTestSmtpServer(options)
  servers.push(smtp)
  return smtp
}

/** A TCP server that takes connections and never says a word: no SMTP greeting. */
const silentServer = async () => {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  silentServers.push({ server, sockets })
  return `smtp://127.0.0.1:${port}`
}

/** Runs `body` with a mailer on `options`, each send's outcome as an Exit. */
const withMailer = <A>(
  options: SmtpMailerOptions,
  body: (
    send: (mail: OutgoingMail) => Effect.Effect<Exit.Exit<{ readonly response: string }, MailerError>>
  ) => Effect.Effect<A>
) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(Mailer, (mailer) => body((mail) => Effect.exit(mailer.send(mail))))).pipe(
      Effect.provide(layerSmtpMailer(options))
    )
  )

const failureOf = (exit: Exit.Exit<unknown, MailerError>) => {
  if (Exit.isSuccess(exit)) return undefined
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
  if (!(error instanceof MailerError)) throw new Error(`not a MailerError: ${String(exit.cause)}`)
  return { reason: error.reason, permanent: error.permanent }
}

const mail = (index: number): OutgoingMail => ({
  messageId: `<n-${index}@notify.packbench>`,
  from: "Alpenglow <shop@alpenglow.test>",
  to: `customer-${index}@example.test`,
  subject: `Bestellung ${index}`,
  text: "Hallo",
  html: "<p>Hallo</p>",
  language: "de"
})

describe("SMTP mailer against a real SMTP server", () => {
  it("keeps its pool's connections open for mail after mail, and sends each mail once with its Message-ID", async () => {
    const smtp = await startTestSmtpServer()
    servers.push(smtp)
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const mailer = yield* Mailer
          // One after the other, then as many at once as the sender hands it.
          for (let index = 0; index < 5; index++) yield* mailer.send(mail(index))
          yield* Effect.forEach(
            Array.from({ length: 20 }, (_, index) => mail(5 + index)),
            (each) => mailer.send(each),
            { concurrency: mailer.concurrency ?? 1, discard: true }
          )
          return mailer.concurrency
        })
      ).pipe(Effect.provide(layerSmtpMailer({ url: smtp.url, maxConnections: 2, timeoutMs: 10_000 })))
    )
    expect(result).toBe(8)
    expect(smtp.refused()).toEqual([])
    expect(smtp.connections()).toBeLessThanOrEqual(2)
    expect(
      smtp
        .messages()
        .map((each) => each.headers["message-id"])
        .sort()
    ).toEqual(Array.from({ length: 25 }, (_, index) => `<n-${index}@notify.packbench>`).sort())
  })

  it("sends the mail whole: its headers, both parts in UTF-8, and only the one recipient in the envelope", async () => {
    const smtp = await startTestSmtpServer()
    servers.push(smtp)
    await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Mailer, (mailer) =>
          mailer.send({
            messageId: "<n-umlaut@notify.packbench>",
            from: "Alpenglow Größen <shop@alpenglow.test>",
            to: "jürgen@example.test",
            subject: "Deine Bestellung SO-1 ist unterwegs – Grüße aus Köln",
            text: "Hallo Jürgen,\n.\nein Punkt allein auf einer Zeile bleibt stehen.",
            html: "<p>Hallo Jürgen, schöne Grüße</p>",
            language: "de",
            unsubscribeUrl: "https://track.test/u/token-1"
          })
        )
      ).pipe(Effect.provide(layerSmtpMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 })))
    )
    const [received] = smtp.messages()
    expect(received?.envelope).toEqual({ from: "shop@alpenglow.test", to: ["jürgen@example.test"] })
    expect(received?.headers["message-id"]).toBe("<n-umlaut@notify.packbench>")
    expect(received?.headers.from).toBe('"Alpenglow Größen" <shop@alpenglow.test>')
    expect(received?.headers.to).toBe("jürgen@example.test")
    expect(received?.subject).toBe("Deine Bestellung SO-1 ist unterwegs – Grüße aus Köln")
    expect(received?.headers["content-language"]).toBe("de")
    expect(received?.headers["list-unsubscribe"]).toBe("<https://track.test/u/token-1>")
    expect(received?.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click")
    expect(received?.headers.date).toBeDefined()
    expect(received?.text?.trim()).toBe("Hallo Jürgen,\n.\nein Punkt allein auf einer Zeile bleibt stehen.")
    expect(received?.html).toBe("<p>Hallo Jürgen, schöne Grüße</p>")
  })
})

describe("SMTP over TLS", () => {
  const pki = makeTestPki(mkdtempSync(join(tmpdir(), "pb-smtp-tls-")))
  const tls = (mode: "implicit" | "starttls") => ({ keyFile: pki.serverKeyFile, certFile: pki.serverCertFile, mode })

  it("speaks TLS from the start to smtps://, and checks the server's certificate unless told not to", async () => {
    const smtp = await smtpServer({ tls: tls("implicit") })
    expect(smtp.url.startsWith("smtps://")).toBe(true)
    // The test CA is no CA the system trusts: refused, for now (the mail waits for a server it can trust).
    const untrusted = await withMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 }, (send) => send(mail(0)))
    expect(failureOf(untrusted)).toEqual({ reason: "Unavailable", permanent: false })
    expect(JSON.stringify(untrusted)).toMatch(/certificate/i)
    const sent = await withMailer(
      { url: `${smtp.url}?tls.rejectUnauthorized=false`, maxConnections: 1, timeoutMs: 10_000 },
      (send) => send(mail(1))
    )
    expect(Exit.isSuccess(sent)).toBe(true)
    expect(smtp.messages().map((each) => [each.envelope.to, each.secure])).toEqual([
      [["customer-1@example.test"], true]
    ])
  })

  it("upgrades an smtp:// session with STARTTLS when the server offers it, and sends nothing in the clear", async () => {
    const smtp = await smtpServer({ tls: tls("starttls"), auth: { user: "hub", pass: "pw" } })
    const url = `smtp://hub:pw@127.0.0.1:${smtp.port}?requireTLS=true&tls.rejectUnauthorized=false`
    const sent = await withMailer({ url, maxConnections: 1, timeoutMs: 10_000 }, (send) => send(mail(2)))
    expect(Exit.isSuccess(sent)).toBe(true)
    expect(smtp.messages().map((each) => each.secure)).toEqual([true])
    // requireTLS against a server without STARTTLS: no mail in the clear, the mail waits.
    const plain = await smtpServer()
    const refused = await withMailer(
      { url: `${plain.url}?requireTLS=true`, maxConnections: 1, timeoutMs: 10_000 },
      (send) => send(mail(3))
    )
    expect(failureOf(refused)).toEqual({ reason: "Unavailable", permanent: false })
    expect(JSON.stringify(refused)).toMatch(/STARTTLS/)
    expect(plain.count()).toBe(0)
  })
})

describe("the SMTP rig that parses on request (for benches)", () => {
  it("takes mails unparsed, in order with their envelope, and parses the one asked for as the parsing rig does", async () => {
    const lazy = await smtpServer({ parse: "on request" })
    const eager = await smtpServer()
    for (const smtp of [lazy, eager]) {
      await withMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 }, (send) =>
        Effect.forEach([0, 1], (index) => send(mail(index)))
      )
    }
    expect(lazy.arrivals().map((arrival) => arrival.envelope.to)).toEqual([
      ["customer-0@example.test"],
      ["customer-1@example.test"]
    ])
    expect(() => lazy.messages()).toThrow("parses on request")
    const second = await lazy.parse(lazy.arrivals()[1]!.id)
    const { id: _lazyId, acceptedAtMs: _lazyAt, raw: lazyRaw, ...lazyParts } = second
    const { id: _eagerId, acceptedAtMs: _eagerAt, raw: eagerRaw, ...eagerParts } = eager.messages()[1]!
    expect(lazyParts.subject).toBe("Bestellung 1")
    // The same mail but for its Date header, parsed alike.
    expect({ ...lazyParts, headers: { ...lazyParts.headers, date: "" } }).toEqual({
      ...eagerParts,
      headers: { ...eagerParts.headers, date: "" }
    })
    expect(lazyRaw.replace(/^Date: .*$/m, "")).toBe(eagerRaw.replace(/^Date: .*$/m, ""))
  })
})

describe("SMTP pool: what a connection's failure means for the mail", () => {
  it("logs in with the URL's user and password; a refused login fails the mail for now, not for good", async () => {
    const smtp = await smtpServer({ auth: { user: "hub", pass: "s3cret:/@" } })
    const good = `smtp://hub:${encodeURIComponent("s3cret:/@")}@127.0.0.1:${smtp.port}`
    const sent = await withMailer({ url: good, maxConnections: 1, timeoutMs: 10_000 }, (send) => send(mail(1)))
    expect(Exit.isSuccess(sent)).toBe(true)
    const bad = `smtp://hub:wrong@127.0.0.1:${smtp.port}`
    const refused = await withMailer({ url: bad, maxConnections: 1, timeoutMs: 10_000 }, (send) => send(mail(2)))
    // A wrong password is the hub's settings, not the mail: given up for good, it would never go out once fixed.
    expect(failureOf(refused)).toEqual({ reason: "Unavailable", permanent: false })
    expect(smtp.messages().map((each) => each.envelope.to)).toEqual([["customer-1@example.test"]])
  })

  it("fails a refused recipient (5xx for good, 4xx for now) and goes on over the same connection after RSET", async () => {
    const smtp = await smtpServer({
      refuseRecipient: (address) =>
        address === "customer-1@example.test" ? 550 : address === "customer-2@example.test" ? 452 : undefined
    })
    const outcomes = await withMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 }, (send) =>
      Effect.forEach([0, 1, 2, 3], (index) => Effect.map(send(mail(index)), failureOf))
    )
    expect(outcomes).toEqual([
      undefined,
      { reason: "Rejected", permanent: true },
      { reason: "Rejected", permanent: false },
      undefined
    ])
    expect(smtp.messages().map((each) => each.envelope.to)).toEqual([
      ["customer-0@example.test"],
      ["customer-3@example.test"]
    ])
    expect(smtp.connections()).toBe(1)
  })

  it("opens a new connection when the server closed an idle one", async () => {
    const smtp = await smtpServer({ idleTimeoutMs: 150 })
    const outcomes = await withMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 }, (send) =>
      Effect.gen(function* () {
        const first = yield* send(mail(0))
        // Until the server's 421 "Timeout - closing connection" has closed the connection.
        yield* Effect.sleep("400 millis")
        const second = yield* send(mail(1))
        return [failureOf(first), failureOf(second)]
      })
    )
    expect(outcomes).toEqual([undefined, undefined])
    expect(smtp.messages()).toHaveLength(2)
    expect(smtp.connections()).toBe(2)
  })

  it("sends a mail again over a new connection when its reused connection turns out closed, and only then", async () => {
    const smtp = await smtpServer()
    const outcomes = await withMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 }, (send) =>
      Effect.gen(function* () {
        const first = yield* send(mail(0))
        smtp.hangUpOnNextMails(1)
        const second = yield* send(mail(1))
        // Hung up on again over the new connection: the mail fails for now, no third try (the sender retries later).
        smtp.hangUpOnNextMails(2)
        const third = yield* send(mail(2))
        return [failureOf(first), failureOf(second), failureOf(third)]
      })
    )
    expect(smtp.hungUp()).toBe(3)
    expect(outcomes).toEqual([undefined, undefined, { reason: "Rejected", permanent: false }])
    expect(smtp.messages().map((each) => each.envelope.to)).toEqual([
      ["customer-0@example.test"],
      ["customer-1@example.test"]
    ])
  })

  it("fails every mail for now, without waiting, when nothing listens; after the timeout when the server never greets", async () => {
    const closedPort = await freePort()
    const refused = await withMailer(
      { url: `smtp://127.0.0.1:${closedPort}`, maxConnections: 2, timeoutMs: 10_000 },
      (send) => Effect.forEach([0, 1, 2, 3, 4], (index) => Effect.map(send(mail(index)), failureOf), { concurrency: 5 })
    )
    expect(refused).toEqual(Array.from({ length: 5 }, () => ({ reason: "Unavailable", permanent: false })))
    const silent = await silentServer()
    const timedOut = await withMailer({ url: silent, maxConnections: 1, timeoutMs: 200 }, (send) =>
      Effect.forEach([0, 1], (index) => Effect.map(send(mail(index)), failureOf), { concurrency: 2 })
    )
    expect(timedOut).toEqual([
      { reason: "Timeout", permanent: false },
      { reason: "Timeout", permanent: false }
    ])
  })

  it("fails the mails queued and in flight when it closes, each once", async () => {
    const silent = await silentServer()
    const target = smtpConnectionOf(silent)
    if ("problem" in target) throw new Error(target.problem)
    const pool = makeSmtpPool({ connection: target.connection, maxConnections: 1, timeoutMs: 10_000 })
    const outcomes: Array<string> = []
    for (let index = 0; index < 3; index++) {
      pool.send({ from: "shop@alpenglow.test", to: [`c-${index}@example.test`] }, "Subject: x\r\n\r\nx\r\n", (error) =>
        outcomes.push(`${index}: ${error instanceof Error ? error.message : "sent"}`)
      )
    }
    expect(pool.size()).toBe(1)
    pool.close()
    expect(outcomes.sort()).toEqual([
      "0: the SMTP pool is closed",
      "1: the SMTP pool is closed",
      "2: the SMTP pool is closed"
    ])
    expect(pool.size()).toBe(0)
    // After closing, a mail fails at once.
    pool.send({ from: "shop@alpenglow.test", to: ["late@example.test"] }, "x", (error) =>
      outcomes.push(`late: ${error instanceof Error ? error.message : "sent"}`)
    )
    expect(outcomes.at(-1)).toBe("late: the SMTP pool is closed")
  })

  it("refuses a URL it cannot use, without printing it", () => {
    expect(smtpConnectionOf("http://user:hunter2@mail.test")).toEqual({
      problem: "the SMTP URL must start with smtp:// or smtps://"
    })
    expect(smtpConnectionOf("smtp://")).toEqual({ problem: "the SMTP URL names no host" })
    expect(smtpConnectionOf("smtps://u:p%40ss@mail.test:465?requireTLS=true")).toEqual({
      connection: { secure: true, host: "mail.test", port: 465, auth: { user: "u", pass: "p@ss" }, requireTLS: true }
    })
  })
})
