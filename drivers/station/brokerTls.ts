/** Loads the TLS files named in the broker config. */
import { readFileSync } from "node:fs"
import type { BrokerConfig } from "../../core/config/StationConfig.ts"

/** Reads the PEM files named in the broker config; a missing file is a configuration error that names it. */
export const loadBrokerTls = (config: BrokerConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } => {
  const read = (field: string, file: string | undefined) => {
    if (file === undefined) return undefined
    try {
      return readFileSync(file)
    } catch (error) {
      throw new Error(`broker.${field}: cannot read ${file}: ${(error as Error).message}`)
    }
  }
  const ca = read("caFile", config.caFile)
  const cert = read("certFile", config.certFile)
  const key = read("keyFile", config.keyFile)
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
}
