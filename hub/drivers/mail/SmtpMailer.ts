/** Sends the hub's customer mail through an SMTP server (nodemailer). */
import { Effect, Layer } from "effect"
import nodemailer from "nodemailer"
import { Mailer, MailerError, type OutgoingMail } from "../../core/notify/Mailer.ts"
import { composeOrRefuse } from "./MimeMessage.ts"

export interface SmtpMailerOptions {
  /** `smtp://host:port` (plain or STARTTLS when offered) or `smtps://host:port` (TLS from the start). */
  readonly url: string
  readonly timeoutMs?: number
  /** Connections in the pool (1 to 32); `SMTP_POOL_CONNECTIONS` when absent. */
  readonly maxConnections?: number
}

const errorOf = (error: unknown): MailerError => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  const responseCode =
    typeof error === "object" && error !== null && "responseCode" in error ? Number(error.responseCode) : 0
  const message = error instanceof Error ? error.message : String(error)
  // RFC 5321 §4.2.1: 5yz is a permanent negative reply, 4yz transient; no reply at all is the network's fault.
  if (responseCode >= 500) return new MailerError({ reason: "Rejected", permanent: true, message })
  if (responseCode >= 400) return new MailerError({ reason: "Rejected", permanent: false, message })
  if (code === "ETIMEDOUT") return new MailerError({ reason: "Timeout", permanent: false, message })
  return new MailerError({ reason: "Unavailable", permanent: false, message })
}

/** How many SMTP connections the hub's mailer keeps open at most, and so how many mails it sends at once. */
export const SMTP_POOL_CONNECTIONS = 16

/**
 * The transport of the hub's SMTP pool, also used by the latency bench's raw nodemailer baseline so both send the
 * same way: `maxConnections` connections, each kept open for every message (`maxMessages: Infinity`: no reconnect,
 * greeting and EHLO after every 100 mails, nodemailer's default), and one timeout for connecting, the server's
 * greeting and an idle socket. The URL goes in the options object: `createTransport(url, options)` takes the second
 * argument as message defaults, not transport options, so the pool and timeouts given there were silently ignored
 * and every mail opened a connection of its own (and waited for its greeting: ~100 ms with smtp-server).
 */
export const smtpTransport = (options: {
  readonly url: string
  readonly maxConnections: number
  readonly timeoutMs: number
}) =>
  nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs
  } as never)

/**
 * The Mailer port over nodemailer's SMTP transport. Success is the server's 250 after DATA. A pool of a bounded
 * number of connections, each reused for every message (no handshake per mail); the sender keeps up to four mails
 * per connection in flight (`concurrency`), which wait in the pool's queue, so no connection idles between one
 * mail's 250 and the next mail.
 */
export const layerSmtpMailer = (options: SmtpMailerOptions) =>
  Layer.effect(
    Mailer,
    Effect.gen(function* () {
      const timeoutMs = options.timeoutMs ?? 30_000
      const maxConnections = options.maxConnections ?? SMTP_POOL_CONNECTIONS
      if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 32) {
        return yield* Effect.die(`the SMTP pool takes 1 to 32 connections, not ${maxConnections}`)
      }
      const transport = yield* Effect.acquireRelease(
        Effect.sync(() => smtpTransport({ url: options.url, maxConnections, timeoutMs })),
        (transport) => Effect.sync(() => transport.close())
      )
      return Mailer.of({
        concurrency: maxConnections * 4,
        send: (mail: OutgoingMail) =>
          // The recipient and every other header checked, the mail composed whole before it is sent (MimeMessage.ts,
          // ~24 µs of CPU where nodemailer's composer took ~700): the pool then writes it to the socket in one piece.
          Effect.flatMap(
            Effect.suspend(() => composeOrRefuse(mail, new Date())),
            (composed) =>
              Effect.tryPromise({
                // RCPT TO is this one address and MAIL FROM the sender's, nothing nodemailer might read out of a
                // header. The Message-ID given spares nodemailer making one of random bytes for a message it sends
                // as it is.
                try: () =>
                  transport.sendMail({
                    envelope: { from: composed.sender, to: [mail.to] },
                    raw: composed.raw,
                    messageId: mail.messageId
                  }),
                catch: errorOf
              }).pipe(Effect.map((info) => ({ response: String(info.response ?? "accepted") })))
          )
      })
    })
  )
