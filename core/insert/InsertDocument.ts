/**
 * A 1-bit image, rows top to bottom, each row packed MSB-first into ceil(width / 8) bytes, a set
 * bit printing black: the layout of ESC/POS raster images, so a logo goes to the printer as is.
 */
export interface MonochromeBitmap {
  readonly width: number
  readonly height: number
  readonly bits: Uint8Array
}

/** The branded note packed with an order, in one language, ready for a receipt printer. */
export interface InsertDocument {
  readonly brandName: string
  readonly logo?: MonochromeBitmap
  readonly thankYou: string
  readonly itemsHeading: string
  readonly items: ReadonlyArray<{ readonly quantity: number; readonly name: string }>
  readonly careHeading: string
  readonly careHints: ReadonlyArray<{ readonly product: string; readonly hint: string }>
  readonly returnHeading: string
  readonly returnHint: string
  /** Encoded as the QR code; ASCII only, as receipt printers store QR data byte for byte. */
  readonly returnUrl: string
  readonly discountLine: string
  readonly discountCode: string
  readonly footer: string
}
