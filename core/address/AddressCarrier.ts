/** What the address check needs to know about the carrier that will take the parcel. */
export interface AddressCarrier {
  readonly id: string
  readonly name: string
  /** The carrier does not deliver to post-office boxes. */
  readonly refusesPoBox: boolean
  /** The carrier delivers to DHL Packstations and Postfilialen (in practice only DHL and Deutsche Post). */
  readonly acceptsPackstation?: boolean
  /** Characters per line its label has room for; overrides the default of 35. */
  readonly maxLineLength?: number
}

export const knownCarriers: ReadonlyArray<AddressCarrier> = [
  { id: "dhl", name: "DHL Paket", refusesPoBox: true, acceptsPackstation: true },
  { id: "deutsche-post", name: "Deutsche Post", refusesPoBox: false, acceptsPackstation: true },
  { id: "dpd", name: "DPD", refusesPoBox: true, acceptsPackstation: false },
  { id: "gls", name: "GLS", refusesPoBox: true, acceptsPackstation: false },
  { id: "hermes", name: "Hermes", refusesPoBox: true, acceptsPackstation: false },
  { id: "ups", name: "UPS", refusesPoBox: true, acceptsPackstation: false },
  { id: "fedex", name: "FedEx", refusesPoBox: true, acceptsPackstation: false },
  { id: "post", name: "National post (letter/parcel)", refusesPoBox: false, acceptsPackstation: false }
]

export const findCarrier = (id: string): AddressCarrier | undefined =>
  knownCarriers.find((carrier) => carrier.id === id.toLowerCase())
