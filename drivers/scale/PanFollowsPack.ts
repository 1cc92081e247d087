/** The demo bench's simulated pan: it carries the parcel the Pack screen asks to weigh, as a packer would put it on. */
import type { PackView } from "../../core/pack/PackView.ts"

/** What the pan should carry: `key` names the parcel (or the empty pan), so the same parcel is put on only once. */
export interface PanLoad {
  readonly key: string
  readonly grams: number
}

const EMPTY: PanLoad = { key: "empty", grams: 0 }

/**
 * The load a following pan takes for the bench's pack view: the parcel's weight (its items and box) once the box is
 * chosen and no weight is taken yet, off by a few grams as a real parcel is (within a quarter of the tolerance, so
 * the demo weighs true); the empty pan when no parcel is on the bench; undefined while a parcel is weighed, labelled
 * or packed, so the pan stays as it is. `random` is in [0, 1).
 */
export const panLoadFor = (view: PackView, random: () => number): PanLoad | undefined => {
  if (view.step === "idle" || view.step === "order-open") return EMPTY
  if (view.step !== "all-verified" && view.step !== "parcel") return undefined
  if (view.box === null || view.weight !== null || view.order === null) return undefined
  const expected = view.expectedWeightGrams
  if (!Number.isFinite(expected) || expected <= 0) return undefined
  const spread = Math.floor(Math.max(0, view.toleranceGrams) / 4)
  const offset = Math.round((random() * 2 - 1) * spread)
  return { key: `${view.order.orderId}|${view.box.boxId}|${expected}`, grams: Math.max(1, expected + offset) }
}
