/** Types of the generator that turns the ISO code lists of two npm packages into gs1CodeLists.generated.ts. */
interface CodeListSources {
  readonly countries: ReadonlyArray<readonly [string, string, string, string]>
  readonly currencies: ReadonlyArray<{ readonly code: string; readonly number: string }>
}
/** The pinned packages' country and currency rows from node_modules. */
export declare const readCodeListSources: () => CodeListSources
/** Renders `gs1CodeLists.generated.ts`. */
export declare const renderCodeLists: (sources: CodeListSources) => string
