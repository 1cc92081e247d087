import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { STATION_HEAP_GROWING_PERCENT, tuneStationHeap } from "./StationHeap.ts"

describe("the station's heap setting", () => {
  it("sets V8's heap growing factor, by a flag this Node's V8 knows (setFlagsFromString ignores unknown ones)", () => {
    const set: Array<string> = []
    tuneStationHeap((flags) => set.push(flags))
    expect(set).toEqual([`--heap-growing-percent=${STATION_HEAP_GROWING_PERCENT}`])
    // On the command line an unknown V8 flag is refused ("bad option", exit code 9); this one runs.
    expect(() => execFileSync(process.execPath, [set[0]!, "-e", "0"], { stdio: "pipe" })).not.toThrow()
    expect(() =>
      execFileSync(process.execPath, ["--heap-growing-percent-typo=50", "-e", "0"], { stdio: "pipe" })
    ).toThrow(/bad option/)
  })
})
