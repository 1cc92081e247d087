/** Types of the generator that turns GS1's code lists into gs1CodeLists.generated.ts. */
interface CodeListSources {
  readonly iso3166: string
  readonly iso3166alpha2: string
  readonly iso4217: string
  readonly packagetype: string
}
/** The text of the vendored linter sources. */
export declare const readCodeListSources: () => CodeListSources
/** Renders `gs1CodeLists.generated.ts`. */
export declare const renderCodeLists: (sources: CodeListSources) => string
