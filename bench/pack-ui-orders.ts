// Orders per hour a scripted packer reaches through the UI: a fresh station (temp data dir, embedded broker) open in
// headless Chromium, orders from the simulated shop through the station's inbox, and every order packed by keyboard
// alone as at the bench: scanner bursts for the order code, each unit and the box, the weight typed at a person's
// pace, F9 to complete, then on to the next once the tracking number shows. Prints figures; asserts nothing.
//   npx tsx bench/pack-ui-orders.ts [--orders K]

import { startOrderFeed } from "../drivers/simulation/OrderFeed.ts"
import { percentile } from "../drivers/simulation/PackSimulation.ts"
import { boxFor } from "../drivers/simulation/ScriptedPacker.ts"
import { unitScan } from "../drivers/simulation/SimulatedOrders.ts"
import { packLine, scanKeys, typeKeys } from "../renderer/e2e/packOrder.ts"
import { openStationInBrowser, packbenchCode } from "../renderer/e2e/StationInBrowser.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const count = Number(flag("--orders") ?? 30)
if (!Number.isInteger(count) || count < 1) throw new Error("--orders must be a positive whole number")

const opened = await openStationInBrowser("pack-ui-bench")
try {
  const { station, page } = opened
  const feed = await startOrderFeed(station, station.config, {
    count,
    seed: 1,
    log: (line) => process.stderr.write(`${line}\n`)
  })
  try {
    await feed.sendUpTo(count)
    for (const order of feed.orders) {
      if (!(await feed.arrived(order.orderId))) throw new Error(`${order.orderId} did not reach the station`)
    }
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await scanKeys(page, packbenchCode("badge", feed.packerBadge))
    await page.getByTestId("operator").getByText("Badge scannen").waitFor({ state: "detached" })

    const perOrder: Array<number> = []
    const started = performance.now()
    for (const order of feed.orders) {
      const orderStarted = performance.now()
      await scanKeys(page, packbenchCode("order", order.orderId))
      await page.getByTestId("ship-to").getByText(order.orderId).waitFor({ timeout: 15_000 })
      let itemGrams = 0
      for (const line of order.lines) {
        const item = feed.catalog.find((candidate) => candidate.sku === line.sku)!
        for (let unit = 1; unit <= line.quantity; unit++) {
          await scanKeys(page, unitScan(item, order.orderId, unit))
          await packLine(page, item.sku)
            .getByTestId("line-count")
            .getByText(`${unit} / ${line.quantity}`, { exact: true })
            .waitFor({ timeout: 15_000 })
          itemGrams += item.weightGrams
        }
      }
      const box = boxFor(feed.boxes, itemGrams)
      await scanKeys(page, box.barcode)
      await page.locator('.bench[data-step="parcel"]').waitFor({ timeout: 15_000 })
      const grams = String(itemGrams + box.tareGrams)
      await typeKeys(page, grams)
      await page.getByTestId("weight").getByText(`${grams} g`, { exact: true }).waitFor({ timeout: 15_000 })
      await page.keyboard.press("F9")
      await page.locator('.bench[data-step="packed"]').getByTestId("tracking-number").waitFor({ timeout: 30_000 })
      perOrder.push(performance.now() - orderStarted)
      process.stderr.write(`${perOrder.length}/${count} ${order.orderId} ${perOrder.at(-1)!.toFixed(0)} ms\n`)
    }
    const seconds = (performance.now() - started) / 1000
    const sorted = [...perOrder].sort((a, b) => a - b)
    const units = feed.orders.reduce((sum, order) => sum + order.lines.reduce((n, line) => n + line.quantity, 0), 0)
    console.log(
      `${count} orders (${units} units) packed through the UI in ${seconds.toFixed(1)} s: ` +
        `${Math.round((count / seconds) * 3600)} orders/hour; per order median ${(percentile(sorted, 50) / 1000).toFixed(2)} s, ` +
        `p90 ${(percentile(sorted, 90) / 1000).toFixed(2)} s (weights typed at a person's pace)`
    )
    if (opened.pageProblems.length > 0) console.log(`page problems: ${opened.pageProblems.join("; ")}`)
  } finally {
    await feed.close()
  }
} finally {
  await opened.close()
}
