/**
 * What a connector's configuration tells the hub's pure code: how to name the orders it brings, which brand and
 * carrier they get, and when the shop learns that a parcel left. Credentials and addresses stay with the adapter.
 */
export interface ConnectorSettings {
  /** Unique per hub (`shopify-main`): pushes, cursors and orders are kept per connector. */
  readonly id: string
  readonly type: "shopify" | "shopware" | "woocommerce" | "webhook"
  /** The station's order id is `<prefix>-<the shop's order number>` (A-Z, 0-9, dashes; 32 at most in all). */
  readonly orderIdPrefix: string
  /** The brand of every order, unless its sales channel has one in `brands`. */
  readonly brand: string
  readonly brands: Readonly<Record<string, string>>
  /** Shipping methods (code or title, case-insensitive) to carrier and service level. */
  readonly carriers: Readonly<Record<string, CarrierChoice>>
  readonly defaultCarrier: CarrierChoice
  /** When the shop gets its fulfillment: when the parcel is handed to the carrier (default) or already when packed. */
  readonly fulfillOn: "handed-to-carrier" | "packed"
}

export interface CarrierChoice {
  readonly carrier: string
  readonly serviceLevel: "standard" | "express" | "economy"
}
