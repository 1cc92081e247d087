/**
 * One tracking-number format as the tracking_number_data schema describes it: a pattern with named groups
 * (`SerialNumber`, `CheckDigit`, sometimes `CountryCode`, `ServiceType`) over the number without spaces or dashes,
 * and the check-digit algorithm with the constants it runs on.
 */
export interface TrackingFormat<Carrier extends string = string> {
  readonly id: string
  readonly name: string
  readonly carrier: Carrier
  /** Where the definition comes from: the vendored tracking_number_data set, or Packbench's own supplement. */
  readonly source: "tracking_number_data" | "packbench"
  readonly pattern: RegExp
  readonly checksum: Checksum | null
  /** Some formats check a serial with a prefix the printed number leaves out (USPS "91", OnTrac "4"/"5"): added when `when` matches the serial. */
  readonly prependSerial: { readonly when: RegExp; readonly content: string } | null
  /** S10: the country code must be one the UPU country table knows. */
  readonly requiresKnownCountry: boolean
  /** False for formats without anything of their own (bare digits): see the generator's `undistinctive`. */
  readonly distinctive: boolean
  readonly trackingUrl: string | null
  /**
   * Set where the carrier prints a check digit (or may) but no public document gives its algorithm: the number is
   * accepted by its pattern alone and the result says so. The text names what is known and where it was read.
   */
  readonly checkDigitNotVerified: string | null
}

export interface Checksum {
  readonly name: "mod10" | "mod7" | "s10" | "luhn" | "mod_37_36" | "sum_product_with_weightings_and_modulo"
  readonly evensMultiplier: number
  readonly oddsMultiplier: number
  readonly reverse: boolean
  readonly weightings: ReadonlyArray<number>
  readonly modulo1: number
  readonly modulo2: number
}
