/** Sends the hub's customer mail through an SMTP server, over a pool of its own (SmtpPool.ts). */
import { Effect, Layer } from "effect"
import { parseConnectionUrl } from "nodemailer/lib/shared"
import { Mailer, MailerError, type OutgoingMail } from "../../core/notify/Mailer.ts"
import { composeOrRefuse } from "./MimeMessage.ts"
import { aboutTheMail, codeOf, makeSmtpPool, responseCodeOf } from "./SmtpPool.ts"

export interface SmtpMailerOptions {
  /**
   * `smtp://host:port` (plain or STARTTLS when offered) or `smtps://host:port` (TLS from the start); a user and
   * password in it log in (`smtp://user:pass@host:587`), and query parameters are nodemailer's connection options
   * (`?requireTLS=true`).
   */
  readonly url: string
  readonly timeoutMs?: number
  /** Connections in the pool (1 to 32); `SMTP_POOL_CONNECTIONS` when absent. */
  readonly maxConnections?: number
}

/**
 * What a failure means for the mail. RFC 5321 §4.2.1: a 5yz reply to the mail's envelope or data is permanent and a
 * 4yz transient. Everything else is about the server or the hub's settings, not this mail, and passes once they are
 * put right: no reply at all, a timeout, TLS, and a refused login (its 535 is permanent for the password, not for
 * the mail, which must wait for the right one rather than be given up).
 */
const errorOf = (error: unknown): MailerError => {
  const responseCode = responseCodeOf(error) ?? 0
  const message = error instanceof Error ? error.message : String(error)
  const refused = aboutTheMail(error)
  if (refused && responseCode >= 500) return new MailerError({ reason: "Rejected", permanent: true, message })
  if (refused && responseCode >= 400) return new MailerError({ reason: "Rejected", permanent: false, message })
  if (codeOf(error) === "ETIMEDOUT") return new MailerError({ reason: "Timeout", permanent: false, message })
  return new MailerError({ reason: "Unavailable", permanent: false, message })
}

/** Where `url` says to connect, or why it cannot be used. */
export const smtpConnectionOf = (url: string) => {
  const parsed = parseConnectionUrl(url)
  if (!/^smtps?:\/\//i.test(url) || parsed.secure === undefined) {
    // Not the URL itself: it may hold a password.
    return { problem: "the SMTP URL must start with smtp:// or smtps://" }
  }
  if (parsed.host === undefined || parsed.host === "") return { problem: "the SMTP URL names no host" }
  return { connection: parsed }
}

/** How many SMTP connections the hub's mailer keeps open at most, and so how many mails it sends at once. */
export const SMTP_POOL_CONNECTIONS = 16

/**
 * The Mailer port over SMTP. Success is the server's 250 after the data. A pool of a bounded number of connections,
 * each reused for every message (no handshake per mail); the sender keeps up to four mails per connection in flight
 * (`concurrency`), which wait in the pool's queue, so no connection idles between one mail's 250 and the next mail.
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
      const target = smtpConnectionOf(options.url)
      if ("problem" in target) return yield* Effect.die(target.problem)
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => makeSmtpPool({ connection: target.connection, maxConnections, timeoutMs })),
        (pool) => Effect.sync(() => pool.close())
      )
      return Mailer.of({
        concurrency: maxConnections * 4,
        send: (mail: OutgoingMail) =>
          // The recipient and every other header checked, the mail composed whole before it is sent (MimeMessage.ts,
          // ~24 µs of CPU where nodemailer's composer took ~700). RCPT TO is this one address and MAIL FROM the
          // sender's, nothing read out of a header.
          Effect.flatMap(
            Effect.suspend(() => composeOrRefuse(mail, new Date())),
            (composed) =>
              Effect.callback<{ readonly response: string }, MailerError>((resume) =>
                pool.send({ from: composed.sender, to: [mail.to] }, composed.raw, (error, response) =>
                  resume(
                    error === undefined
                      ? Effect.succeed({ response: response ?? "accepted" })
                      : Effect.fail(errorOf(error))
                  )
                )
              )
          )
      })
    })
  )
