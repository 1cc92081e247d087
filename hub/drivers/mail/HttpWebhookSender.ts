/** Sends the hub's outgoing webhooks over HTTP, signed with the shared secret. */
import { Effect, Layer } from "effect"
import { WebhookError, WebhookSender } from "../../core/notify/WebhookSender.ts"
import { signWebhook } from "../server/WebhookSignature.ts"

export interface HttpWebhookSenderOptions {
  /** Shared with the receiver; it checks `X-Packbench-Signature` with it. */
  readonly secret: string
  readonly timeoutMs?: number
}

/**
 * Outgoing webhooks over fetch, signed the way the hub's own webhook expects carriers to sign (see
 * WebhookSignature): HMAC-SHA256 over "<timestamp>.<body>". 2xx is success, 4xx other than 408/429 is
 * permanent (the receiver will not change its mind), everything else is retried.
 */
export const layerHttpWebhookSender = (options: HttpWebhookSenderOptions) =>
  Layer.succeed(
    WebhookSender,
    WebhookSender.of({
      send: (webhook) =>
        Effect.tryPromise({
          try: async (signal) => {
            const body = JSON.stringify(webhook.body)
            const timestamp = String(Math.floor(Date.now() / 1000))
            const response = await fetch(webhook.url, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "idempotency-key": webhook.idempotencyKey,
                "x-packbench-timestamp": timestamp,
                "x-packbench-delivery": webhook.idempotencyKey,
                "x-packbench-signature": signWebhook(options.secret, timestamp, body)
              },
              body,
              signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)])
            })
            await response.body?.cancel()
            return response.status
          },
          catch: (error) =>
            new WebhookError({
              reason: error instanceof Error && error.name === "TimeoutError" ? "Timeout" : "Unavailable",
              permanent: false,
              message: error instanceof Error ? error.message : String(error)
            })
        }).pipe(
          Effect.flatMap((status) =>
            status >= 200 && status < 300
              ? Effect.succeed({ status })
              : Effect.fail(
                  new WebhookError({
                    reason: "Rejected",
                    permanent: status >= 400 && status < 500 && status !== 408 && status !== 429,
                    message: `HTTP ${status}`
                  })
                )
          )
        )
    })
  )
