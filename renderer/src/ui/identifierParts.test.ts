import { describe, expect, it } from "vitest"
import { identifierParts } from "./identifierParts.ts"

describe("identifierParts", () => {
  it("picks order numbers and other hyphenated identifiers out of a sentence, so they stay on one line", () => {
    expect(identifierParts("Trinkflasche gehört zu Auftrag SO-100234, nicht zu SO-100001.")).toEqual([
      { text: "Trinkflasche gehört zu Auftrag ", identifier: false },
      { text: "SO-100234", identifier: true },
      { text: ", nicht zu ", identifier: false },
      { text: "SO-100001", identifier: true },
      { text: ".", identifier: false }
    ])
    expect(identifierParts("Retoure RET-09-R000001: ALP-MUG-01")).toEqual([
      { text: "Retoure ", identifier: false },
      { text: "RET-09-R000001", identifier: true },
      { text: ": ", identifier: false },
      { text: "ALP-MUG-01", identifier: true }
    ])
  })

  it("leaves hyphenated words as words: they may break at their hyphen", () => {
    expect(identifierParts("E-Mail an den Emaille-Becher-Kunden")).toEqual([
      { text: "E-Mail an den Emaille-Becher-Kunden", identifier: false }
    ])
    expect(identifierParts("")).toEqual([])
  })
})
