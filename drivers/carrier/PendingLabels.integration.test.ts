import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Handover } from "../../core/pack/Handover.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { PendingLabels } from "../../core/pack/PendingLabels.ts"
import { Session } from "../../core/session/Session.ts"
import { apiCarrierStation, eventsOf } from "../../fixtures/carriers/apiCarrierStation.ts"
import { startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { probed } from "../../fixtures/waitFor.ts"
import { type PrinterSimulator, start as startPrinter } from "../printer/PrinterSimulator.ts"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe("label pending for an API carrier (real HTTP label service, real printers, restarts)", () => {
  it("packs while the service is down, prints the label exactly once when it is back, across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-pending-"))
    const filename = join(dir, "station.db")
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
    cleanups.push(service.close)
    const label: PrinterSimulator = await startPrinter({ port: 0, dir: join(dir, "label"), language: "zpl" })
    const receipt: PrinterSimulator = await startPrinter({ port: 0, dir: join(dir, "receipt"), language: "escpos" })
    cleanups.push(label.close, receipt.close)
    const ports = { label: label.port, receipt: receipt.port }
    await service.down()

    // First life: the label service is down while the packer completes SO-100001.
    const first = apiCarrierStation(filename, service.url, ports)
    const packed = await first.runPromise(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        yield* pack.scan({ raw: "SO-100001" })
        for (const raw of ["4260123450014", "4260123450014", "4260123450038"]) yield* pack.scan({ raw })
        yield* pack.chooseBox({ boxId: "S" })
        yield* pack.weight({ grams: (yield* pack.state).expectedWeightGrams, source: "typed" })
        const view = yield* pack.complete({})
        const handover = yield* Handover
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: view.parcel!.parcelCode })
        return {
          view,
          atCage,
          pendingEvents: yield* eventsOf("parcel.label-pending"),
          packedEvents: yield* eventsOf("parcel.packed"),
          counts: yield* (yield* PendingLabels).counts
        }
      })
    )
    expect(packed.view.refusal).toBeNull()
    expect(packed.view.step).toBe("packed")
    expect(packed.view.parcel).toMatchObject({ status: "label-pending", trackingNumber: null })
    expect(packed.pendingEvents).toHaveLength(1)
    expect(packed.pendingEvents[0]!.payload).toMatchObject({ orderId: "SO-100001", carrier: "dhl-paket" })
    expect(String((packed.pendingEvents[0]!.payload as { reason: string }).reason)).toMatch(/cannot reach/)
    expect(packed.packedEvents).toHaveLength(0)
    expect(packed.counts).toEqual({ asking: 1, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 })
    expect(packed.atCage.refusal?.code).toBe("label-pending")
    // The insert prints at once; the label cannot exist yet.
    await receipt.waitForJobs(1)
    const parcelId = packed.view.parcel!.parcelId
    const attempts = await probed("a retry while the service is down", () =>
      first.runPromise(
        Effect.map(
          Effect.flatMap(Effect.service(PendingLabels), (pending) => pending.list),
          (list) => ((list[0]?.attempts ?? 0) >= 3 ? list[0]!.attempts : undefined)
        )
      )
    )
    expect(attempts).toBeGreaterThanOrEqual(3)
    expect(label.jobs()).toHaveLength(0)
    await first.dispose()

    // Second life: the station restarts, the service comes back; the label prints by itself.
    await service.up()
    const second = apiCarrierStation(filename, service.url, ports)
    await label.waitForJobs(1)
    const after = await probed("parcel.packed", () =>
      second.runPromise(
        Effect.gen(function* () {
          const events = yield* eventsOf("parcel.packed")
          if (events.length === 0) return undefined
          return {
            events,
            counts: yield* (yield* PendingLabels).counts,
            parcel: yield* (yield* PackService).parcel(parcelId)
          }
        })
      )
    )
    await second.dispose()
    const tracking = service.issued().get(parcelId)
    expect(tracking).toMatch(/^JJD\d{10}$/)
    expect(after.counts).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 })
    expect(after.parcel).toMatchObject({ status: "packed", trackingNumber: tracking })
    expect(after.events).toHaveLength(1)
    expect(after.events[0]!.payload).toMatchObject({ parcelId, trackingNumber: tracking })
    // The packing happened when the packer closed the parcel, not when the carrier answered.
    expect(after.events[0]!.eventTime).toEqual(packed.pendingEvents[0]!.eventTime)
    expect(new TextDecoder("latin1").decode(label.jobs()[0]!.bytes)).toContain(tracking!)
    expect(label.jobs()[0]!.problems).toEqual([])

    // Third life: nothing is left to do; the label is not printed again and no second event appears.
    const third = apiCarrierStation(filename, service.url, ports)
    const handed = await third.runPromise(
      Effect.gen(function* () {
        const labelled = yield* (yield* PendingLabels).retryDue
        yield* (yield* Session).signIn("B-1001")
        const handover = yield* Handover
        const view = yield* handover.scan({ raw: tracking! })
        return { labelled, view, events: yield* eventsOf("parcel.packed") }
      })
    )
    await new Promise((resolve) => setTimeout(resolve, 500))
    await third.dispose()
    expect(handed.labelled).toBe(0)
    expect(handed.view.refusal).toBeNull()
    expect(handed.events).toHaveLength(1)
    expect(label.jobs()).toHaveLength(1)
    expect(service.requests().every((request) => request.idempotencyKey === parcelId)).toBe(true)
  }, 90_000)
})
