import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { SystemClockLayer } from "../../drivers/time/SystemClock.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { identifyScan } from "../scan/identify.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { Sql } from "../store/Sql.ts"
import { makePackLookups } from "./PackLookups.ts"

const run = <A, E>(effect: Effect.Effect<A, E, Sql>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(
        Layer.fresh(
          seededStation({
            filename: join(mkdtempSync(join(tmpdir(), "pb-pack-lookups-")), "station.db"),
            clock: SystemClockLayer
          })
        )
      )
    )
  )

const orderScan = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return identifyScan(encoded.code)
}

describe("the pack bench's lookups", () => {
  it("decode an order's stored row again as soon as it changed, and reuse it while it did not", () =>
    run(
      Effect.gen(function* () {
        const sql = yield* Sql
        const lookups = yield* makePackLookups
        const scan = orderScan("SO-100001")
        const first = (yield* lookups.lookupFor(scan)).order("SO-100001")
        expect(first?.status).toBe("open")
        expect((yield* lookups.lookupFor(scan)).order("SO-100001")).toBe(first)

        yield* sql.execute(
          "UPDATE orders SET data = json_set(data, '$.serviceLevel', 'express') WHERE order_id = 'SO-100001'"
        )
        const changed = (yield* lookups.lookupFor(scan)).order("SO-100001")
        expect(changed).not.toBe(first)
        expect(changed?.serviceLevel).toBe("express")
        expect(first?.serviceLevel).not.toBe("express")
      })
    ))
})
