/** Links to carriers' public tracking pages. */
import { type CarrierId, carrierIds, trackingUrlFor } from "../../../core/scan/trackingNumber.ts"

/** The carrier's public tracking page for a number, where we know one (any carrier the scanner recognises). */
export const carrierTrackingUrl = (carrier: string, trackingNumber: string): string | undefined => {
  const number = encodeURIComponent(trackingNumber)
  switch (carrier) {
    case "dhl-paket":
    case "deutsche-post":
      return `https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=${number}`
    case "dhl-express":
      return `https://www.dhl.com/de-en/home/tracking/tracking-express.html?tracking-id=${number}`
    case "ups":
      return `https://www.ups.com/track?tracknum=${number}`
    default:
      return (carrierIds as ReadonlyArray<string>).includes(carrier)
        ? trackingUrlFor(carrier as CarrierId, trackingNumber)
        : undefined
  }
}
