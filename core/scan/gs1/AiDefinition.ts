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
  /**
   * Dictionary `req=` attributes, each a list of alternative groups of AIs (or patterns such as "35nn") that must all
   * be present: `req=01+21,02` is [[["01", "21"], ["02"]]]. Every attribute must be met by one of its groups.
   */
  readonly requires: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>
  /** Dictionary `ex=`: AIs or patterns ("310n") that must not appear with this AI (an AI never excludes itself). */
  readonly excludes: ReadonlyArray<string>
  readonly components: ReadonlyArray<AiComponent>
}
