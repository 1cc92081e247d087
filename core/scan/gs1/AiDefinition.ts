/** Character sets of the GS1 syntax dictionary: N digits, X = CSET 82, Y = CSET 39, Z = base64url. */
export type CharacterSet = "N" | "X" | "Y" | "Z"

/** One component of an AI's data field, consumed in order; only the last may vary in length. */
export interface AiComponent {
  readonly cset: CharacterSet
  readonly min: number
  readonly max: number
  readonly optional: boolean
  readonly linters: ReadonlyArray<string>
}

export interface AiDefinition {
  readonly ai: string
  readonly title: string
  /** Predefined length: the element string needs no FNC1 after it (dictionary flag "*"). */
  readonly fixedLength: boolean
  /** Allowed as a Digital Link query attribute (dictionary flag "?"). */
  readonly dlDataAttribute: boolean
  /** Alternative ordered key-qualifier sequences when this AI is a Digital Link primary key, else null. */
  readonly dlPrimaryKey: ReadonlyArray<ReadonlyArray<string>> | null
  readonly components: ReadonlyArray<AiComponent>
}
