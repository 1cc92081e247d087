import { randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import type { EventEnvelope } from "../../core/events/Event.ts"
import type { EventDefinition } from "../../core/events/EventDefinition.ts"
import type { HubSettingsShape } from "../../core/notify/HubSettings.ts"
import type { Order } from "../../core/orders/Order.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier } from "../../core/pack/PackEvents.ts"
import type { Broker } from "../../core/sync/Broker.ts"
import { encodeJson, Topics } from "../../core/sync/Topics.ts"
import { layerHttpWebhookSender } from "../mail/HttpWebhookSender.ts"
import { layerSmtpMailer } from "../mail/SmtpMailer.ts"
import { layerMqttBroker } from "../mqtt/MqttBroker.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"
import { CryptoTrackingTokensLayer } from "./CryptoTrackingTokens.ts"
import { type HubOptions, hubLayer } from "./Hub.ts"
import type { HubDatabase } from "./HubDatabase.ts"

/**
 * What hub tests and benches assemble: a hub with real SMTP, MQTT and HTTP, and a station stand-in that
 * publishes envelopes the way the station's outbox does (same topics, same JSON). Real code throughout.
 */

export interface HubRigOptions {
  readonly dataDir: string
  /** `hub.db` in `dataDir` when absent. */
  readonly database?: HubDatabase
  readonly brokerUrl: string
  readonly smtpUrl: string
  readonly settings: HubSettingsShape
  readonly webhookSecret: string
  readonly clientId?: string
  readonly senderPollMs?: number
  readonly ackDelayMs?: number
}

export const hubRigOptions = (options: HubRigOptions): HubOptions => ({
  dataDir: options.dataDir,
  ...(options.database === undefined ? {} : { database: options.database }),
  settings: options.settings,
  http: { host: "127.0.0.1", port: 0, webhookSecret: options.webhookSecret },
  senderPollMs: options.senderPollMs ?? 1_000,
  tickIntervalMs: 1_000,
  ackDelayMs: options.ackDelayMs ?? 20
})

export const hubRigLayer = (options: HubRigOptions) =>
  hubLayer(hubRigOptions(options)).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerMqttBroker({ url: options.brokerUrl, clientId: options.clientId ?? "packbench-hub", protocolVersion: 4 }),
        layerSmtpMailer({ url: options.smtpUrl, timeoutMs: 10_000 }),
        layerHttpWebhookSender({ secret: options.webhookSecret }),
        CryptoTrackingTokensLayer,
        SystemClockLayer
      )
    )
  )

export const sampleOrder = (orderId: string, customer: { readonly email: string; readonly locale: "de" | "en" }) =>
  ({
    orderId,
    version: 1,
    status: "open",
    brand: "alpenglow",
    customer: {
      customerId: `C-${orderId}`,
      firstName: customer.locale === "de" ? "Anna" : "Emma",
      lastName: "Schmidt",
      email: customer.email,
      locale: customer.locale
    },
    shipTo: { name: "Anna Schmidt", street1: "Hauptstraße 12", postalCode: "10115", city: "Berlin", country: "DE" },
    serviceLevel: "standard",
    carrier: "dhl-paket",
    lines: [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1, unitPrice: 12.9 }],
    payment: { method: "paypal", currency: "EUR", total: 12.9 },
    placedAt: "2026-11-21T01:11:00Z"
  }) satisfies Order

/** One station's event stream: numbers its events gap-free, as the station's event log does. */
export const stationStream = (options: {
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
}) => {
  let seq = 0
  return <Type extends string, Payload>(
    definition: EventDefinition<Type, Payload>,
    payload: Payload
  ): EventEnvelope => {
    seq++
    const now = Date.now()
    return {
      id: randomUUID(),
      type: definition.type,
      version: definition.version,
      siteId: options.siteId,
      stationId: options.stationId,
      epoch: options.epoch,
      seq,
      eventTime: { wallMs: now, monoNs: process.hrtime.bigint().toString() },
      recordTimeMs: now,
      actor: { role: "packer", badgeId: "B-1", name: "Test Packer" },
      payload
    }
  }
}

/** Each parcel's order (mail in English) and its handover to the carrier, in that order, from one station stream. */
export const shippedParcels = (
  next: ReturnType<typeof stationStream>,
  batchId: string,
  parcels: ReadonlyArray<{
    readonly orderId: string
    readonly email: string
    readonly carrier: string
    readonly trackingNumber: string
  }>
) =>
  parcels.flatMap((parcel) => [
    next(OrderReceived, {
      order: sampleOrder(parcel.orderId, { email: parcel.email, locale: "en" }),
      replacedVersion: null
    }),
    next(ParcelHandedToCarrier, {
      batchId,
      parcelId: `P-${parcel.orderId}`,
      orderId: parcel.orderId,
      carrier: parcel.carrier,
      trackingNumber: parcel.trackingNumber
    })
  ])

export const publishEnvelope = (broker: Broker["Service"], event: EventEnvelope) =>
  broker.publish(Topics.event(event.siteId, event.stationId, event.type), encodeJson(event), {
    qos: 1,
    timeoutMs: 5_000
  })

export const publishAll = (broker: Broker["Service"], events: ReadonlyArray<EventEnvelope>) =>
  Effect.forEach(events, (event) => publishEnvelope(broker, event), { discard: true })
