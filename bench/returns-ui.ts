// Returns graded per hour by a scripted clerk in headless Chromium: a real station (temp data dir) with shipped
// parcels of the sample orders, the Returns screen driven by keyboard-wedge scans and single keys only. Each return:
// scan the parcel's tracking number, scan one item, one grade key, F9 (the rules decide), F10 (finish).
// Run: npm run bench:returns-ui -- [returns]   (needs the built UI and /usr/bin/chromium)
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { Order } from "../core/orders/Order.ts"
import { Sql } from "../core/store/Sql.ts"
import { layerSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { fixture } from "../fixtures/SeededStation.ts"
import { shipParcel } from "../fixtures/shipParcel.ts"
import { scanKeys, signIn, waitForPrompt } from "../renderer/e2e/packOrder.ts"
import { openStationInBrowser } from "../renderer/e2e/StationInBrowser.ts"

const count = Number(process.argv[2] ?? 24)
if (!Number.isInteger(count) || count < 1)
  throw new Error(`returns must be a positive whole number, not ${process.argv[2]}`)

const orders = Schema.decodeUnknownSync(Schema.Array(Order))(fixture("orders.json"))
const catalog = fixture("catalog.json") as ReadonlyArray<{ readonly sku: string; readonly gtin: string }>
const DAY = 86_400_000
// One grade key per return, in turn: new/sealed, opened like new, signs of use, damaged.
const gradeKeys = ["1", "2", "3", "4"]

// Return n takes back one unit of line (n / orders) of order (n % orders), from a parcel of its own: each return
// meets an order the clerk has not just seen, and a line returned more often than shipped is flagged, not refused.
const plan = Array.from({ length: count }, (_, index) => {
  const order = orders[index % orders.length]!
  const line = order.lines[Math.floor(index / orders.length) % order.lines.length]!
  const gtin = catalog.find((item) => item.sku === line.sku)?.gtin
  if (gtin === undefined) throw new Error(`${line.sku} is not in the sample catalog`)
  return {
    orderId: order.orderId,
    parcelId: `P-BENCH-${index + 1}`,
    trackingNumber: `00340434${String(9_000_000_000 + index).padStart(10, "0")}`,
    line,
    gtin
  }
})

const opened = await openStationInBrowser("returns-bench")
try {
  const { page, station } = opened
  // The pack bench and the carrier handover would have left these rows: written through a second connection
  // (WAL), as the station's own tests do, so the bench times grading only.
  await Effect.runPromise(
    Effect.forEach(
      plan,
      (step) =>
        shipParcel({
          orderId: step.orderId,
          parcelId: step.parcelId,
          trackingNumber: step.trackingNumber,
          items: [{ lineId: step.line.lineId, sku: step.line.sku, quantity: step.line.quantity }],
          handedAtMs: Date.now() - 4 * DAY
        }),
      { discard: true }
    ).pipe(Effect.provide(layerSqlite({ filename: join(station.config.dataDir, "station.db") })))
  )
  await page.getByTestId("operator").getByText("Badge scannen").waitFor()
  await signIn(page, "B-2001")
  await page.keyboard.press("F2")
  await waitForPrompt(page, "Retoure scannen")

  const durations: Array<number> = []
  let previous = ""
  const started = performance.now()
  for (const [index, step] of plan.entries()) {
    const start = performance.now()
    await scanKeys(page, step.trackingNumber)
    const returnCase = page.locator(`[data-testid="return-case"]:not([data-return-id="${previous}"])`)
    await returnCase.waitFor({ timeout: 15_000 })
    previous = (await returnCase.getAttribute("data-return-id")) ?? ""
    await scanKeys(page, step.gtin)
    const item = page.locator(`[data-testid="return-item"][data-sku="${step.line.sku}"]`)
    await item.waitFor({ timeout: 15_000 })
    // A clerk's key comes on its own after the scanner's burst, never inside it.
    await page.waitForTimeout(200)
    await page.keyboard.press(gradeKeys[index % gradeKeys.length]!)
    await page.locator(`[data-testid="return-item"][data-sku="${step.line.sku}"]:not([data-grade=""])`).waitFor({
      timeout: 15_000
    })
    await page.keyboard.press("F9")
    await item.getByTestId("return-decision").waitFor({ timeout: 15_000 })
    await page.keyboard.press("F10")
    await page.getByTestId("returns-finished").waitFor({ timeout: 15_000 })
    durations.push(performance.now() - start)
  }
  const totalMs = performance.now() - started
  const sorted = [...durations].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
  const finished = await Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* Sql
      return yield* sql.query<{ returns: number; decided: number }>(
        `SELECT COUNT(DISTINCT r.return_id) AS returns, COUNT(i.decision) AS decided FROM returns r
         JOIN return_items i ON i.return_id = r.return_id WHERE r.status = 'finished'`
      )
    }).pipe(Effect.provide(layerSqlite({ filename: join(station.config.dataDir, "station.db"), readonly: true })))
  )
  console.log(
    `returns graded by scanner and keys in headless Chromium: ${count} (station database: ${finished[0]?.returns} finished, ${finished[0]?.decided} items decided)`
  )
  console.log(`returns per hour: ${Math.round((count * 3_600_000) / totalMs)}`)
  console.log(
    `per return: median ${(at(50) / 1000).toFixed(2)} s, p90 ${(at(90) / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s`
  )
  if (opened.pageProblems.length > 0) console.log(`page problems: ${opened.pageProblems.join("; ")}`)
} finally {
  await opened.close()
}
