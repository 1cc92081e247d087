/** The service reporting the station's event delivery status to the UI. */
import { Context, type Effect } from "effect"
import type { SyncStatus } from "./StationStatusApi.ts"

/** How the station's delivery of events looks right now: what the header and the manager screen show. */
export class SyncView extends Context.Service<SyncView, { readonly status: Effect.Effect<SyncStatus> }>()(
  "packbench/core/station/SyncView"
) {}
