import { describe, expect, it } from "vitest"
import { type AppliedEvent, checkDelivery } from "./DeliveryChecker.ts"

const at = (seq: number, stationId = "PACK-01", epoch = "e1"): AppliedEvent => ({
  id: `${stationId}-${epoch}-${seq}`,
  stationId,
  epoch,
  seq
})
const committed = (...seqs: ReadonlyArray<number>) => seqs.map((seq) => ({ id: at(seq).id }))
const CLEAN = { lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] }

describe("checkDelivery with events refused in their place", () => {
  it("counts an event refused in its place as taking it: not lost, and the next applied one follows it", () => {
    const applied = [at(1), at(2), at(5), at(6)]
    expect(checkDelivery(committed(1, 2, 3, 4, 5, 6), applied, [at(3), at(4)])).toEqual(CLEAN)
    // Told nothing of the refusals, the checker sees them lost and the event after them out of order.
    expect(checkDelivery(committed(1, 2, 3, 4, 5, 6), applied)).toEqual({
      ...CLEAN,
      lost: [at(3).id, at(4).id],
      outOfOrder: ["PACK-01/e1#5"]
    })
  })

  it("takes a refusal at the stream's end, or in another stream, for its own place only", () => {
    const applied = [at(1), at(1, "PACK-02"), at(3, "PACK-02")]
    expect(
      checkDelivery([...committed(1, 2), { id: at(1, "PACK-02").id }, { id: at(3, "PACK-02").id }], applied, [at(2)])
    ).toEqual({ ...CLEAN, outOfOrder: ["PACK-02/e1#3"] })
  })

  it("finds an event both applied and refused, refused twice, or refused but never committed", () => {
    const verdict = checkDelivery(committed(1, 2, 3), [at(1), at(2), at(3)], [at(2), at(3), at(3), at(4)])
    expect(verdict).toEqual({
      ...CLEAN,
      appliedTwice: [at(3).id, at(2).id],
      unexpected: [at(4).id],
      // Applied in places refusals took.
      outOfOrder: ["PACK-01/e1#2", "PACK-01/e1#3"]
    })
  })

  it("still finds a lost event and a gap where a refusal is in another place", () => {
    expect(checkDelivery(committed(1, 2, 3, 4), [at(1), at(4)], [at(2)])).toEqual({
      ...CLEAN,
      lost: [at(3).id],
      outOfOrder: ["PACK-01/e1#4"]
    })
  })
})
