/** The port the hub sends signed outgoing webhooks through, and its error. */
import { Context, type Effect, Schema } from "effect"

export interface OutgoingWebhook {
  readonly url: string
  /** Sent as the `Idempotency-Key` header: a redelivered webhook has the same key as the first. */
  readonly idempotencyKey: string
  readonly body: unknown
}

export class WebhookError extends Schema.TaggedError<WebhookError>()("WebhookError", {
  reason: Schema.Literals(["Rejected", "Unavailable", "Timeout"]),
  permanent: Schema.Boolean,
  message: Schema.String
}) {}

/** Outgoing notification webhooks (to a shop system, a CRM); the driver signs the body. Success means 2xx. */
export class WebhookSender extends Context.Service<
  WebhookSender,
  { readonly send: (webhook: OutgoingWebhook) => Effect.Effect<{ readonly status: number }, WebhookError> }
>()("packbench/hub/core/notify/WebhookSender") {}
