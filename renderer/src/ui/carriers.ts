/** The carriers the UI names, and the message keys of carriers and service levels. */
import type { MessageKey } from "../i18n/de.ts"
import type { Translate } from "../i18n/Translator.ts"

/** The carriers this station holds tracking ranges for, in the order their number keys pick them on Handover. */
export const carriers = ["dhl-paket", "dhl-express", "ups", "deutsche-post"] as const

export const carrierKey = (carrier: string): MessageKey | undefined =>
  (carriers as ReadonlyArray<string>).includes(carrier) ? (`carrier.${carrier}` as MessageKey) : undefined

/** A carrier the bench names in its words (DHL Paket, DHL Parcel); another one by the id the data gives it. */
export const carrierName = (t: Translate, carrier: string): string => {
  const key = carrierKey(carrier)
  return key === undefined ? carrier : t(key)
}

export const serviceLevelKey = (level: string): MessageKey | undefined =>
  level === "standard" || level === "express" ? `service.${level}` : undefined
