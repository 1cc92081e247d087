import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { aiTable } from "./aiTable.generated.ts"
import { renderAiTable } from "./generate.mjs"

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url))

describe("aiTable.generated.ts", () => {
  it("is what generate.mjs makes from the committed syntax dictionary (re-run the generator if this fails)", () => {
    const dictionary = readFileSync(here("./gs1-syntax-dictionary.txt"), "utf8")
    expect(readFileSync(here("./aiTable.generated.ts"), "utf8")).toBe(renderAiTable(dictionary))
  })

  it("rejects a dictionary line it cannot read, naming the line", () => {
    expect(() => renderAiTable("00 *? Q18 # broken\n")).toThrow(/line 1/)
  })

  it("covers the AIs a pack bench meets, with their syntax", () => {
    for (const ai of ["00", "01", "02", "10", "11", "13", "15", "17", "21", "30", "37", "400", "401", "402", "403"]) {
      expect(aiTable[ai], ai).toBeDefined()
    }
    for (let ai = 410; ai <= 422; ai++) if (ai < 418 || ai > 419) expect(aiTable[String(ai)], String(ai)).toBeDefined()
    for (const ai of ["7003", "8004", "8200", "3100", "3105", "3695"]) expect(aiTable[ai], ai).toBeDefined()
    expect(aiTable["3106"]).toBeUndefined()
    expect(aiTable["00"]?.components).toEqual([
      { cset: "N", min: 18, max: 18, optional: false, linters: ["csum", "gcppos2"] }
    ])
    expect(aiTable["10"]).toMatchObject({ fixedLength: false, components: [{ cset: "X", min: 1, max: 20 }] })
    expect(aiTable["17"]?.fixedLength).toBe(true)
    expect(aiTable["01"]?.dlPrimaryKey).toEqual([["22", "10", "21"], ["235"]])
    expect(aiTable["7003"]?.components.map((c) => c.linters)).toEqual([["yymmdd"], ["hhmi"]])
  })
})
