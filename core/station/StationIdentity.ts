/** Who this station is: its site and station ids as labels and screens show them. */
import { Context, Schema } from "effect"

/** Site and station ids as operators see them on labels and screens: short, upper-case, no spaces. */
export const StationCode = Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/))

/**
 * Who this station is. `siteId`/`stationId` come from config or were generated on first start and kept in the data
 * dir; `epoch` belongs to the database and is new whenever the database is (fresh install, restore from backup).
 */
export class StationIdentity extends Context.Service<
  StationIdentity,
  {
    readonly siteId: string
    readonly stationId: string
    readonly epoch: string
  }
>()("packbench/core/station/StationIdentity") {}
