/** Types of the generator that turns the tracking number data into trackingFormats.generated.ts. */
interface FormatRow {
  readonly id: string
  readonly carrier: string
  readonly source: "tracking_number_data" | "packbench"
  readonly checksum: unknown
  readonly distinctive: boolean
  readonly valid: ReadonlyArray<string>
  readonly invalid: ReadonlyArray<string>
}
interface Sources {
  readonly dataCouriers: ReadonlyArray<{ readonly file: string; readonly courier: unknown }>
  readonly packbench: unknown
}
/** The vendored courier files (tracking_number_data/couriers) and packbench-formats.json. */
export declare const readSources: () => Sources
/** Every format in table order, with the data set's sample numbers. */
export declare const allFormats: (dataCouriers: Sources["dataCouriers"], packbench: unknown) => ReadonlyArray<FormatRow>
/** Renders `trackingFormats.generated.ts`. */
export declare const renderTrackingFormats: (dataCouriers: Sources["dataCouriers"], packbench: unknown) => string
/** The vendored copy's folder (ends in "/") and its SOURCE.json. */
export declare const dataDir: string
export declare const dataSource: () => {
  readonly repository: string
  readonly commit: string
  readonly license: string
  readonly files: Readonly<Record<string, string>>
}
/** The checksum a data file states, as checkDigits.ts runs it; throws on an unknown algorithm or other constants. */
export declare const checksumOf: (validation: unknown, where: string) => unknown
/** Drops the data's `\s*` and literal dashes from a pattern. */
export declare const compactPattern: (regex: string) => string
