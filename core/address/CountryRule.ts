/** A first-level subdivision (US state, CA province, JP prefecture…) as the Google address data lists it. */
export interface Region {
  /** What goes on the label: "CA" for California, "東京都" for Tokyo. */
  readonly key: string
  readonly name?: string
  readonly latinName?: string
  readonly isoId?: string
  /** Regex the start of the region's postal codes matches (`sub_zips`). */
  readonly postalCodePrefix?: string
}

/**
 * One destination country's address conventions, generated from Google's address metadata
 * (libaddressinput `fmt`, `lfmt`, `require`, `upper`, `zip`, `zipex`, `postprefix`, `sub_*`).
 */
export interface CountryRule {
  readonly code: string
  /** English name in capitals, as Google's data spells it for the label ("GERMANY"). */
  readonly name: string
  readonly names: { readonly en: string; readonly de: string }
  /** The country's name for itself in its main language (CLDR), e.g. "Deutschland". */
  readonly localName?: string
  /** %N name, %O company, %A street lines, %D district, %C city, %S region, %Z postal code, %X sorting code, %n newline. */
  readonly format: string
  /** The format for an address written in Latin script, for countries whose own script is not Latin. */
  readonly latinFormat?: string
  /** Letters of the format fields that must be present. */
  readonly required: string
  /** Letters of the format fields printed in capitals. */
  readonly upper: string
  readonly postalCodePattern?: string
  readonly postalCodeExamples: ReadonlyArray<string>
  /** Text some posts put before the postal code ("CH-"); customers often type it along. */
  readonly postalCodePrefix?: string
  readonly regions: ReadonlyArray<Region>
}
