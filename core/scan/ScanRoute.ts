/** How the flow whose screen is up takes device scans. */
import type { Effect } from "effect"
import type { ApiError } from "../api/ApiError.ts"
import type { Timestamp } from "../time/Clock.ts"
import type { ScanOutcome } from "./ScanApi.ts"
import type { ScanResult } from "./ScanResult.ts"

/**
 * How a flow (pack, handover, returns) takes a device scan while its screen is up: it identifies the scan as it reads
 * scans (its catalog, what it expects next), and applies that identification, so one scan is identified once.
 */
export interface ScanRoute {
  readonly identify: (raw: string) => Effect.Effect<ScanResult, ApiError>
  readonly apply: (scan: {
    readonly raw: string
    readonly at: Timestamp
    readonly identified: ScanResult
    /** The device that read it, recorded with what the flow makes of it. */
    readonly deviceId?: string
  }) => Effect.Effect<RoutedOutcome, ApiError>
}

/** What a flow did with a scan: its action and message, why it refused, or what it took the scan as. */
export interface RoutedOutcome {
  readonly action: string
  readonly message: string
  readonly refusal?: ScanOutcome["refusal"]
  readonly accepted?: ScanOutcome["accepted"]
}
