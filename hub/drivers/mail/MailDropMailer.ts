/** The mailer that writes each message as an .eml file when no mail server is configured. */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { Mailer, MailerError } from "../../core/notify/Mailer.ts"
import { composeOrRefuse } from "./MimeMessage.ts"

/**
 * The Mailer for a station with no mail server configured: every message is written, complete as an SMTP server
 * would receive it (the SMTP mailer's own composition, CRLF line breaks), as an `.eml` file in `dir` (any mail
 * program opens it). The whole notification loop then works on one machine with no setup, and nothing is silently
 * dropped.
 */
export const layerMailDropMailer = (dir: string) =>
  Layer.sync(Mailer, () => {
    mkdirSync(dir, { recursive: true })
    return Mailer.of({
      send: (mail) =>
        Effect.flatMap(
          Effect.suspend(() => composeOrRefuse(mail, new Date())),
          (composed) =>
            Effect.try({
              try: () => {
                const name = `${Date.now()}-${mail.messageId.replace(/[^A-Za-z0-9.-]/g, "_")}.eml`
                writeFileSync(join(dir, name), composed.raw)
                return { response: `written to ${join(dir, name)}` }
              },
              catch: (error) =>
                new MailerError({ reason: "Unavailable", permanent: false, message: `mail drop: ${String(error)}` })
            })
        )
    })
  })
