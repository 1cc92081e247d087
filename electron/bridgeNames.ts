/** The API and push names the sandboxed preload lets through, kept in step with the API by the type checker. */
import type { ApiName, PushName } from "../core/api/StationApi.ts"

// The sandboxed preload cannot load effect (it runs as one bundled script), so it checks names against these lists;
// `satisfies` makes the type checker fail when a name is added to or removed from the API without updating them.
const apiNames = {
  "station.status": true,
  "station.setLocale": true,
  "station.setScreen": true,
  "session.signIn": true,
  "session.enterPin": true,
  "session.signOut": true,
  "scan.submit": true,
  "orders.open": true,
  "events.recent": true,
  "printer.testPrint": true,
  "printer.jobs": true,
  "sync.quarantine": true,
  "sync.conflicts": true,
  "fleet.presence": true,
  "fleet.hub": true,
  "pack.state": true,
  "pack.scan": true,
  "pack.quantity": true,
  "pack.undo": true,
  "pack.shortShip": true,
  "pack.chooseBox": true,
  "pack.weight": true,
  "pack.complete": true,
  "pack.abandon": true,
  "pack.reprint": true,
  "pack.void": true,
  "pack.held": true,
  "pack.cancellationsByHand": true,
  "pack.closeCancellationByHand": true,
  "pack.boxes": true,
  "pack.weighOnScale": true,
  "scale.state": true,
  "handover.state": true,
  "handover.open": true,
  "handover.scan": true,
  "handover.close": true,
  "returns.approve": true,
  "returns.decide": true,
  "returns.finish": true,
  "evidence.photo": true,
  "evidence.offerStill": true,
  "evidence.recentParcels": true,
  "evidence.camera": true,
  "returns.cancel": true,
  "returns.grade": true,
  "returns.override": true,
  "returns.scan": true,
  "returns.setDisposition": true,
  "returns.state": true,
  "rules.active": true,
  "rules.preview": true,
  "rules.replace": true,
  "metrics.customer": true,
  "metrics.customerCsv": true,
  "shops.status": true,
  "shops.decidePush": true,
  "shops.retryHandedOver": true,
  "audit.recent": true
} as const satisfies Record<ApiName, true>

const pushNames = {
  status: true,
  scan: true,
  printJob: true,
  event: true,
  alert: true,
  scale: true,
  fleet: true,
  siteFleet: true
} as const satisfies Record<PushName, true>

export const API_NAMES: ReadonlySet<string> = new Set(Object.keys(apiNames))
export const PUSH_NAMES: ReadonlySet<string> = new Set(Object.keys(pushNames))
