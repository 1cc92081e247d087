/** Sends the hub's outgoing webhooks over HTTP, signed with the shared secret. */
import { Effect, Layer } from "effect"
import { StationClock } from "../../../core/time/Clock.ts"
import { WebhookError, WebhookSender } from "../../core/notify/WebhookSender.ts"
import { signWebhook, signWebhookV2 } from "../server/WebhookSignature.ts"

export interface HttpWebhookSenderOptions {
  /** Shared with the receiver; it checks `X-Packbench-Signature-V2` (and, for one release, `X-Packbench-Signature`). */
  readonly secret: string
  readonly timeoutMs?: number
}

/**
 * Outgoing webhooks over fetch, stamped by the hub's clock and signed twice: `X-Packbench-Signature-V2` in the v2
 * scheme (timestamp, delivery id and body under the HMAC: WebhookSignature's `signWebhookV2`), and for one release
 * more `X-Packbench-Signature` in the first (timestamp and body: `signWebhook`), so receivers that check only it keep
 * working while they move (README, "Outgoing webhooks"). 2xx is success, 4xx other than 408/429 is permanent (the
 * receiver will not change its mind), everything else is retried.
 */
export const layerHttpWebhookSender = (options: HttpWebhookSenderOptions) =>
  Layer.effect(
    WebhookSender,
    Effect.gen(function* () {
      const clock = yield* StationClock
      return WebhookSender.of({
        send: (webhook) =>
          Effect.gen(function* () {
            const body = JSON.stringify(webhook.body)
            const timestamp = String(Math.floor((yield* clock.now).wallMs / 1000))
            const delivery = webhook.idempotencyKey
            return yield* Effect.tryPromise({
              try: async (signal) => {
                const response = await fetch(webhook.url, {
                  method: "POST",
                  headers: {
                    "content-type": "application/json",
                    "idempotency-key": delivery,
                    "x-packbench-timestamp": timestamp,
                    "x-packbench-delivery": delivery,
                    "x-packbench-signature-v2": signWebhookV2(options.secret, timestamp, delivery, body),
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
    })
  )
