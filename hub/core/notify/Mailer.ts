/** The port the hub sends customer mail through, and its error. */
import { Context, type Effect, Schema } from "effect"
import { emailAddressProblem } from "../../../core/bounds/EmailAddress.ts"

export interface OutgoingMail {
  /**
   * The Message-ID header (RFC 5322 §3.6.4), made from the notification's kind and subject (`deliveryKeyOf`). It is
   * the idempotency key: a message resent after a crash or a power cut carries the same one, so the receiving side
   * can recognise the second copy.
   */
  readonly messageId: string
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly language: string
  /**
   * The recipient's one-click unsubscribe URL: sent as `List-Unsubscribe` with
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so mail clients offer an unsubscribe button.
   */
  readonly unsubscribeUrl?: string | undefined
}

/**
 * Why the provider did not take a message. `permanent` is the provider's verdict that retrying cannot help
 * (SMTP 5xx, RFC 5321 §4.2.1: a bad recipient, a refused sender); anything else is worth another attempt.
 */
export class MailerError extends Schema.TaggedError<MailerError>()("MailerError", {
  reason: Schema.Literals(["Rejected", "Unavailable", "Timeout"]),
  permanent: Schema.Boolean,
  message: Schema.String
}) {}

/**
 * Why a mail's recipient is not exactly one address, or undefined. Every Mailer checks it before a byte leaves:
 * `a@example.com\r\nBcc: spy@evil.example` must never become a header or a second RCPT TO, whatever slipped past
 * the edges.
 */
export const recipientProblem = (mail: Pick<OutgoingMail, "to">): MailerError | undefined => {
  const problem = emailAddressProblem(mail.to)
  return problem === undefined
    ? undefined
    : new MailerError({
        reason: "Rejected",
        permanent: true,
        message: `the recipient is not one e-mail address: it ${problem}`
      })
}

/** The mail channel. `send` succeeds once the provider accepted the message (SMTP 250 after DATA). */
export class Mailer extends Context.Service<
  Mailer,
  {
    readonly send: (mail: OutgoingMail) => Effect.Effect<{ readonly response: string }, MailerError>
    /** How many sends the provider takes at once (an SMTP pool's connections); one at a time when absent. */
    readonly concurrency?: number
  }
>()("packbench/hub/core/notify/Mailer") {}
