/** Each carrier's profile (services, account, tracking format), the defaults, its tracking numbers and routing codes. */
import { encodeS10, trackingCandidates } from "../scan/trackingNumber.ts"

/** How a carrier's tracking numbers are built from the station's next number in its range. */
export type TrackingFormat = "dhl-nve" | "ups-1z" | "dhl-express-10" | "s10"

export interface CarrierProfile {
  /** The carrier as orders name it. */
  readonly id: string
  readonly name: string
  /** The address check's carrier id (post-office box and Packstation rules). */
  readonly addressCarrier: string
  readonly services: Readonly<Record<"standard" | "express" | "economy", string>>
  readonly format: TrackingFormat
  /** The account part of the number the carrier assigned to this shipper (UPS shipper number, S10 service code). */
  readonly account: string
  /** DHL Paket: the origin parcel centre and customer number of the shipper's Identcodes (see DhlCodes.ts). */
  readonly identcode?: { readonly parcelCentre: string; readonly customer: string }
}

export const defaultCarrierProfiles: ReadonlyArray<CarrierProfile> = [
  {
    id: "dhl-paket",
    name: "DHL",
    addressCarrier: "dhl",
    services: { standard: "Paket", express: "Paket Prio", economy: "Paket" },
    format: "dhl-nve",
    account: "340434",
    identcode: { parcelCentre: "20", customer: "434" }
  },
  {
    id: "dhl-express",
    name: "DHL Express",
    addressCarrier: "dhl",
    services: { standard: "Worldwide", express: "Express Worldwide", economy: "Economy Select" },
    format: "dhl-express-10",
    account: ""
  },
  {
    id: "ups",
    name: "UPS",
    addressCarrier: "ups",
    services: { standard: "Standard", express: "Express Saver", economy: "Standard" },
    format: "ups-1z",
    account: "A1B2C3"
  },
  {
    id: "deutsche-post",
    name: "Deutsche Post",
    addressCarrier: "deutsche-post",
    services: { standard: "Paket International", express: "Premium", economy: "Päckchen" },
    format: "s10",
    account: "CX"
  }
]

/**
 * The one check character that makes `body + c` a number of `format` whose check holds, found with the same
 * checks the scanner applies, so every number the station issues is one the station itself reads back as valid.
 */
const completeWithCheck = (body: string, format: string): string => {
  for (const check of "0123456789") {
    const candidate = `${body}${check}`
    if (trackingCandidates(candidate).some((c) => c.format === format && c.checkDigit === "ok")) return candidate
  }
  throw new Error(`no check digit makes ${body} a valid ${format} number`)
}

/** Largest serial each format has room for: the range table may not go past it. */
export const maxSerial: Readonly<Record<TrackingFormat, number>> = {
  "dhl-nve": 10 ** 10 - 1,
  "ups-1z": 10 ** 7 - 1,
  "dhl-express-10": 10 ** 9 - 1,
  s10: 10 ** 8 - 1
}

/** The tracking number for `serial`, check digit included, in the carrier's format. */
export const trackingNumberFor = (profile: CarrierProfile, serial: number, originCountry: string): string => {
  switch (profile.format) {
    // NVE/SSCC of the shipper as DHL Paket prints it, "00" + 18 digits with the GS1 check digit.
    case "dhl-nve":
      return completeWithCheck(`003${profile.account}${String(serial).padStart(10, "0")}`, "dhl_paket_nve")
    case "ups-1z":
      return completeWithCheck(`1Z${profile.account}01${String(serial).padStart(7, "0")}`, "ups")
    case "dhl-express-10":
      return completeWithCheck(String(serial).padStart(9, "0"), "dhl_express")
    case "s10":
      return encodeS10(profile.account, String(serial).padStart(8, "0"), originCountry)
  }
}

/** Sorting code from the destination: country and postal code, as short as the label's routing field allows. */
export const routingCodeFor = (country: string, postalCode: string): string =>
  `${country}-${postalCode.replace(/[^0-9A-Za-z]/g, "").toUpperCase()}`.slice(0, 16)
