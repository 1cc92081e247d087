/** Renders shipping labels as 4x6 inch PDFs for stations without a thermal printer. */
import { Effect } from "effect"
import { encodeZpl, type LabelDpi } from "../../core/label/encodeZpl.ts"
import type { LabelContentError, ShippingLabel } from "../../core/label/ShippingLabel.ts"
import { renderZpl } from "./ZplRenderer.ts"

/**
 * A shipping label as a 4x6 inch PDF, for stations without a thermal printer. It goes through
 * the ZPL encoder and the simulator's renderer, so the PDF shows exactly what a label printer
 * would print and there is one layout to maintain.
 */
export const renderLabelPdf = Effect.fn("renderLabelPdf")(function* (
  label: ShippingLabel,
  options: { readonly dpi: LabelDpi } = { dpi: 203 }
): Effect.fn.Return<Uint8Array, LabelContentError> {
  const zpl = yield* encodeZpl(label, options)
  const rendered = yield* Effect.promise(() => renderZpl(zpl, options.dpi))
  return new Uint8Array(rendered.pdf)
})
