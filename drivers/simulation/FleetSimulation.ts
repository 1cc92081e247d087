/** Many station identities in one process, each with its own database, login and outbox, publishing real events. */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { EventLog } from "../../core/events/EventLog.ts"
import type { Order } from "../../core/orders/Order.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../core/pack/PackEvents.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql } from "../../core/store/Sql.ts"
import { stationUsername } from "../../core/sync/BrokerRoles.ts"
import { resolveStationEpoch } from "../../core/sync/EpochGuard.ts"
import { Outbox } from "../../core/sync/Outbox.ts"
import { layerFileHighWaterMark } from "../mqtt/FileHighWaterMark.ts"
import { layerMqttBroker } from "../mqtt/MqttBroker.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"

export interface FleetStation {
  readonly siteId: string
  readonly stationId: string
  readonly dir: string
}

/** Station `index` of the fleet: `SITE-01/PACK-001`… with `perSite` stations to a site, each in its own directory. */
export const fleetStation = (dataDir: string, index: number, perSite: number): FleetStation => {
  const siteId = `SITE-${String(Math.floor(index / perSite) + 1).padStart(2, "0")}`
  const stationId = `PACK-${String(index + 1).padStart(3, "0")}`
  return { siteId, stationId, dir: join(dataDir, `${siteId}.${stationId}`) }
}

/** The file a simulated station keeps its broker login in (written by `fleet-simulate --enroll`, mode 0600). */
export const fleetLoginFile = (station: FleetStation) => join(station.dir, "broker-login.json")

export const fleetUsername = (station: FleetStation) => stationUsername(station.siteId, station.stationId)

/** A plausible order of the simulated shop: one line, paid, shipped by DHL Paket in Germany. */
const fleetOrder = (orderId: string): Order => ({
  orderId,
  version: 1,
  status: "open",
  brand: "fleet",
  customer: {
    customerId: `C-${orderId}`,
    firstName: "Anna",
    lastName: "Schmidt",
    email: `${orderId.toLowerCase()}@example.test`,
    locale: "de"
  },
  shipTo: { name: "Anna Schmidt", street1: "Hauptstraße 12", postalCode: "10115", city: "Berlin", country: "DE" },
  serviceLevel: "standard",
  carrier: "dhl-paket",
  lines: [{ lineId: "1", sku: "FLT-MUG-01", quantity: 1, unitPrice: 12.9 }],
  payment: { method: "paypal", currency: "EUR", total: 12.9 },
  placedAt: "2026-11-21T01:11:00Z"
})

export interface SimulatedStationOptions {
  readonly station: FleetStation
  readonly brokerUrl: string
  readonly login: { readonly username: string; readonly password: string } | undefined
  readonly protocolVersion: 4 | 5
}

/**
 * One simulated station: its database and event log stay open for the whole run; its broker link and outbox can be
 * taken down (offline: events are still recorded) and brought up again (the outbox drains what was recorded).
 */
export const makeSimulatedStation = (options: SimulatedStationOptions) =>
  Effect.gen(function* () {
    const { station } = options
    mkdirSync(station.dir, { recursive: true })
    const highWaterMark = layerFileHighWaterMark(join(station.dir, "sync-highwater.json"))
    const base = Layer.mergeAll(
      layerSqlite({ filename: join(station.dir, "station.db") }),
      SystemClockLayer,
      highWaterMark
    )
    const identity = Layer.effect(
      StationIdentity,
      Effect.gen(function* () {
        yield* migrate(stationMigrations)
        const { epoch } = yield* resolveStationEpoch()
        return StationIdentity.of({ siteId: station.siteId, stationId: station.stationId, epoch })
      })
    )
    const core = yield* Layer.build(EventLog.layer.pipe(Layer.provideMerge(identity), Layer.provideMerge(base)))
    let link: { readonly scope: Scope.Closeable; readonly outbox: Outbox["Service"] } | undefined
    let orderNumber = 0
    let step = 0

    const connect = Effect.gen(function* () {
      if (link !== undefined) return
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Outbox.layer().pipe(
          Layer.provide(
            layerMqttBroker({
              url: options.brokerUrl,
              clientId: `packbench-${station.siteId}-${station.stationId}`,
              protocolVersion: options.protocolVersion,
              ...(options.login === undefined ? {} : options.login)
            })
          ),
          Layer.provide(Layer.succeedContext(core))
        ),
        scope
      )
      const outbox = Context.get(context, Outbox)
      yield* outbox.start.pipe(Scope.provide(scope))
      link = { scope, outbox }
    })

    const disconnect = Effect.gen(function* () {
      const current = link
      link = undefined
      if (current !== undefined) yield* Scope.close(current.scope, Exit.void)
    })

    /** The station's next real event: an order arrives, its parcel is packed, then handed to the carrier. */
    const appendNext = Effect.gen(function* () {
      const log = yield* EventLog
      const turn = step++ % 3
      if (turn === 0) orderNumber++
      const orderId = `${station.stationId}-${orderNumber}`
      const parcelId = `P-${orderId}`
      const trackingNumber = `00340434${station.stationId.replace(/\D/g, "").padStart(3, "0")}${String(orderNumber).padStart(9, "0")}`
      if (turn === 0) yield* log.append(OrderReceived, { order: fleetOrder(orderId), replacedVersion: null })
      else if (turn === 1)
        yield* log.append(ParcelPacked, {
          orderId,
          parcelId,
          items: [],
          shortShips: [],
          weightGrams: 500,
          expectedWeightGrams: 500,
          boxId: "BOX-S",
          carrier: "dhl-paket",
          trackingNumber,
          packer: { badgeId: "B-1", name: "Fleet Packer" },
          stationId: station.stationId
        })
      else
        yield* log.append(ParcelHandedToCarrier, {
          batchId: "H-1",
          parcelId,
          orderId,
          carrier: "dhl-paket",
          trackingNumber
        })
      if (link !== undefined) yield* link.outbox.kick
    }).pipe(Effect.provide(core))

    const status = Effect.gen(function* () {
      const sql = yield* Sql
      const rows = yield* sql.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
      const appended = Number(rows[0]?.seq ?? 0)
      const outbox = link === undefined ? undefined : yield* link.outbox.status
      return { appended, online: link !== undefined, confirmed: outbox?.lastConfirmedSeq, depth: outbox?.depth }
    }).pipe(Effect.provide(core))

    return { station, connect, disconnect, appendNext, status }
  })

export type SimulatedStation = Effect.Success<ReturnType<typeof makeSimulatedStation>>

export const hasLogin = (station: FleetStation) => existsSync(fleetLoginFile(station))
