/** The React context every screen reads the station client and translator from. */
import { createContext, useContext } from "react"
import type { Locale } from "../../../core/api/StationApi.ts"
import type { StationClient } from "../api/StationClient.ts"
import type { Translate } from "../i18n/Translator.ts"

export interface StationContextValue {
  readonly client: StationClient
  readonly locale: Locale
  readonly t: Translate
}

export const StationContext = createContext<StationContextValue | undefined>(undefined)

export const useStationContext = (): StationContextValue => {
  const value = useContext(StationContext)
  if (value === undefined) throw new Error("useStationContext needs a StationContext provider above it")
  return value
}
