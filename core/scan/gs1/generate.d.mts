/** Renders `aiTable.generated.ts` from the text of the GS1 Barcode Syntax Dictionary. */
export declare const renderAiTable: (dictionaryText: string) => string
