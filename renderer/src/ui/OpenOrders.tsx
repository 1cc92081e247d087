/** The list of orders waiting to be packed, held ones marked. */
import type { MessageKey } from "../i18n/de.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"

const HELD = new Set(["on-hold", "address-hold"])

/** What is waiting to be packed, held orders marked, so the packer sees the day's work while idle. */
export const OpenOrders = () => {
  const { t } = useStationContext()
  const orders = useApiQuery("orders.open", {}, ["event"])
  if (orders.error !== undefined) return <ReadFailure error={orders.error} showingLast={false} />
  if (orders.data === undefined) return <p className="hint">{t("common.loading")}</p>
  if (orders.data.length === 0) return <p className="hint">{t("pack.noOrders")}</p>
  return (
    <section className="card">
      <h2>{t("pack.openOrders")}</h2>
      <table className="table" data-testid="open-orders">
        <thead>
          <tr>
            <th>{t("order.id")}</th>
            <th>{t("order.customer")}</th>
            <th>{t("order.country")}</th>
            <th className="numeric">{t("order.items")}</th>
            <th>{t("order.status")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.data.map((order) => (
            <tr key={order.orderId} className={HELD.has(order.status) ? "row-held" : ""}>
              <td className="mono id">{order.orderId}</td>
              <td>{order.customerName}</td>
              <td>{order.country}</td>
              <td className="numeric">{t("order.itemsValue", { items: order.itemCount, lines: order.lineCount })}</td>
              <td>
                <span className={HELD.has(order.status) ? "badge badge-held" : "badge"}>
                  {Object.hasOwn(statusKeys, order.status) ? t(statusKeys[order.status]!) : order.status}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

const statusKeys: Readonly<Record<string, MessageKey>> = {
  open: "orderStatus.open",
  "on-hold": "orderStatus.on-hold",
  "address-hold": "orderStatus.address-hold"
}
