/** The service holding the carriers this station ships with, each with its profile and adapter. */
import { Context, Effect, Layer } from "effect"
import type { NumberReservations } from "../numbering/NumberReservations.ts"
import type { Sql } from "../store/Sql.ts"
import type { CarrierAdapter } from "./CarrierAdapter.ts"
import type { CarrierProfile } from "./CarrierProfile.ts"
import { makeOfflineCarrier } from "./OfflineCarrier.ts"

/**
 * Whether the carrier is set up at this station for its web service now (`CarrierAdapter.online`): a question for the
 * configuration, which may have changed since a parcel's label was asked for.
 */
export const apiCarrierOf =
  (carriers: Carriers["Service"]) =>
  (carrier: string): boolean =>
    carriers.adapter(carrier)?.online === true

/** The carriers this station ships with: each one's profile and the adapter that issues its labels. */
export class Carriers extends Context.Service<
  Carriers,
  {
    readonly profile: (carrier: string) => CarrierProfile | undefined
    readonly adapter: (carrier: string) => CarrierAdapter | undefined
  }
>()("packbench/core/carrier/Carriers") {
  static readonly make = (profiles: ReadonlyArray<CarrierProfile>, adapters: ReadonlyArray<CarrierAdapter>) =>
    Carriers.of({
      profile: (carrier) => profiles.find((profile) => profile.id === carrier),
      adapter: (carrier) => adapters.find((adapter) => adapter.carrier === carrier)
    })

  /**
   * Every carrier issues its own numbers from the station's ranges, so the bench labels parcels with no network;
   * except the carriers in `online`, whose adapters (their web services) issue theirs.
   */
  static readonly layerOffline = (
    profiles: ReadonlyArray<CarrierProfile>,
    originCountry: string,
    online: ReadonlyArray<CarrierAdapter> = []
  ): Layer.Layer<Carriers, never, Sql | NumberReservations> =>
    Layer.effect(
      Carriers,
      Effect.map(
        Effect.forEach(
          profiles.filter((profile) => !online.some((adapter) => adapter.carrier === profile.id)),
          (profile) => makeOfflineCarrier(profile, originCountry)
        ),
        (adapters) => Carriers.make(profiles, [...online, ...adapters])
      )
    )
}
