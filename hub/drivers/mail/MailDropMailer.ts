/** The mailer that writes each message as an .eml file when no mail server is configured. */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import nodemailer from "nodemailer"
import { Mailer, MailerError, recipientProblem, unsubscribeHeaders } from "../../core/notify/Mailer.ts"

/**
 * The Mailer for a station with no mail server configured: every message is written, complete as an SMTP server
 * would receive it, as an `.eml` file in `dir` (any mail program opens it). The whole notification loop then works on
 * one machine with no setup, and nothing is silently dropped.
 */
export const layerMailDropMailer = (dir: string) =>
  Layer.sync(Mailer, () => {
    mkdirSync(dir, { recursive: true })
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" })
    return Mailer.of({
      send: (mail) => {
        const refused = recipientProblem(mail)
        if (refused !== undefined) return Effect.fail(refused)
        return Effect.tryPromise({
          try: async () => {
            const info = await transport.sendMail({
              messageId: mail.messageId,
              from: mail.from,
              to: mail.to,
              // RCPT TO is this one address and nothing nodemailer might read out of a header.
              envelope: { from: mail.from, to: [mail.to] },
              subject: mail.subject,
              text: mail.text,
              html: mail.html,
              headers: { "Content-Language": mail.language, ...unsubscribeHeaders(mail) }
            })
            const name = `${Date.now()}-${mail.messageId.replace(/[^A-Za-z0-9.-]/g, "_")}.eml`
            writeFileSync(join(dir, name), info.message as Buffer)
            return { response: `written to ${join(dir, name)}` }
          },
          catch: (error) =>
            new MailerError({ reason: "Unavailable", permanent: false, message: `mail drop: ${String(error)}` })
        })
      }
    })
  })
