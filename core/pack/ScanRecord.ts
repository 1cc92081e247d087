/** Which scan event a bench step that changed the verified units records: a unit verified, a count typed, a scan undone. */
import type { PackSession, Verification } from "./PackSession.ts"

export type ScanRecord =
  | { readonly kind: "verified"; readonly orderId: string; readonly gtin: string; readonly unit: Verification }
  | {
      readonly kind: "counted"
      readonly orderId: string
      readonly gtin: string
      readonly unit: Verification
      readonly previous: number
    }
  | { readonly kind: "undone"; readonly orderId: string; readonly gtin: string; readonly unit: Verification }

/**
 * Compares the session before and after a step of the same order. Each step changes the verified units in at most
 * one way (appends one, changes the last one's count, or removes the last one), so the difference names the event.
 */
export const scanRecordOf = (before: PackSession, after: PackSession): ScanRecord | undefined => {
  const orderId = after.order?.orderId
  if (orderId === undefined || before.order?.orderId !== orderId) return undefined
  const was = before.verifications
  const now = after.verifications
  const gtinOf = (unit: Verification) => after.lines.find((line) => line.lineId === unit.lineId)?.item.gtin ?? ""
  if (now.length === was.length + 1) {
    const unit = now.at(-1)!
    return { kind: "verified", orderId, gtin: gtinOf(unit), unit }
  }
  if (now.length === was.length - 1) {
    const unit = was.at(-1)!
    return { kind: "undone", orderId, gtin: gtinOf(unit), unit }
  }
  const last = now.at(-1)
  const previous = was.at(-1)
  if (
    now.length === was.length &&
    last !== undefined &&
    previous !== undefined &&
    last.quantity !== previous.quantity
  ) {
    return { kind: "counted", orderId, gtin: gtinOf(last), unit: last, previous: previous.quantity }
  }
  return undefined
}
