/**
 * The station's domain services as one layer: pack bench, handover, label retries, carrier cancellations, returns desk
 * and what they share.
 */
import { Effect, Layer } from "effect"
import { PushHub } from "../../core/api/PushHub.ts"
import { AuditLog } from "../../core/audit/AuditLog.ts"
import { apiCarrierAdapter } from "../../core/carrier/ApiCarrier.ts"
import { defaultCarrierProfiles } from "../../core/carrier/CarrierProfile.ts"
import { Carriers } from "../../core/carrier/Carriers.ts"
import { withoutPassword } from "../../core/config/ServerAddress.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import { PhotoRetention } from "../../core/evidence/PhotoRetention.ts"
import { CarrierCancellations } from "../../core/pack/CarrierCancellations.ts"
import { Handover } from "../../core/pack/Handover.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { PendingLabels } from "../../core/pack/PendingLabels.ts"
import { ScaleWeights } from "../../core/pack/ScaleWeights.ts"
import { InsertEncoder, InsertEncodingError } from "../../core/print/InsertEncoder.ts"
import { PrintQueue } from "../../core/print/PrintQueue.ts"
import { ReturnsService } from "../../core/returns/ReturnsService.ts"
import { Session, scannedOrTypedBadge } from "../../core/session/Session.ts"
import { DeviceRegistry } from "../../core/station/DeviceRegistry.ts"
import { StationSettings } from "../../core/station/StationSettings.ts"
import { makeHttpCarrierApi } from "../carrier/HttpCarrierApi.ts"
import { evidenceLayer } from "../evidence/evidenceCameraLayer.ts"
import { encodeEscPosInsert } from "../printer/EscPosInsertEncoder.ts"
import { ScryptPinHashes } from "../session/ScryptPinHashes.ts"
import { SampleOrdersSeeded } from "./StationDatabase.ts"
import { announceSeededOrders, SampleData } from "./StationSampleData.ts"

const insertEncoder = Layer.succeed(
  InsertEncoder,
  InsertEncoder.of({
    encode: (document) =>
      Effect.try({
        try: () => encodeEscPosInsert(document),
        catch: (error) => new InsertEncodingError({ message: String(error) })
      })
  })
)

/** Carriers configured as API carriers get their labels from their web service; the others issue them offline. */
const apiCarriers = (config: ResolvedConfig, log: (line: string) => void) =>
  Object.entries(config.carriers).map(([carrier, api]) => {
    log(`Carrier ${carrier}: labels from ${withoutPassword(api.baseUrl)} (label pending while it cannot be reached)`)
    return apiCarrierAdapter(
      makeHttpCarrierApi({
        carrier,
        baseUrl: api.baseUrl,
        timeoutMs: api.timeoutMs,
        ...(api.apiKey === undefined ? {} : { apiKey: api.apiKey })
      })
    )
  })

/**
 * The station's domain services over its database: the pack bench, handover, label retries and the returns desk,
 * with what they share (session, settings, print queue, carriers, scales, event log, devices, pushes). Sample
 * orders loaded by this start are announced here, once the event log exists.
 */
export const stationDomain = (config: ResolvedConfig, log: (line: string) => void) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const sample = yield* SampleData
      const setup = sample.carriers
      const services = Layer.mergeAll(
        PackService.layer({
          shipFrom: setup.shipFrom,
          originCountry: setup.originCountry,
          brand: sample.brands.fallback,
          brands: sample.brands.brands,
          discountCode: setup.discountCode,
          sscc: setup.sscc,
          numbering: { index: config.numbering.stationIndex, of: config.numbering.stations }
        }),
        Handover.layer({ timeZone: config.station.timeZone }),
        PendingLabels.layer({}),
        CarrierCancellations.layer({ closesShownDays: config.carrierCancellations.closesShownDays }),
        PhotoRetention.layer({ retentionDays: config.evidence.photoRetentionDays }),
        ReturnsService.layer({
          rules: sample.refundRules,
          returnUrls: sample.brands.brands.map((brand) => brand.returnUrl)
        })
      ).pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            Session.layer(scannedOrTypedBadge).pipe(Layer.provide(ScryptPinHashes.layer)),
            AuditLog.layer,
            StationSettings.layer({ name: config.station.name, locale: config.station.locale }),
            PrintQueue.layer,
            Carriers.layerOffline(defaultCarrierProfiles, setup.originCountry, apiCarriers(config, log)),
            ScaleWeights.layer
          )
        ),
        Layer.provideMerge(EventLog.layer),
        Layer.provideMerge(
          Layer.mergeAll(
            DeviceRegistry.layer,
            PushHub.layer,
            insertEncoder,
            evidenceLayer(config.cameras, config.dataDir, log)
          )
        )
      )
      const announce = Layer.effectDiscard(
        Effect.gen(function* () {
          if (yield* SampleOrdersSeeded) yield* announceSeededOrders
        })
      )
      return announce.pipe(Layer.provideMerge(services))
    })
  )
