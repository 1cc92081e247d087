/** The Pack screen's card of the recipient, carrier and address problems. */
import type { PackView } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { carrierKey, serviceLevelKey } from "./carriers.ts"

/** Who gets the parcel and how it travels; an address the carrier cannot take is red with each problem named. */
export const ShipToCard = ({
  order,
  addressCheck
}: {
  readonly order: PackView["order"]
  readonly addressCheck: PackView["addressCheck"]
}) => {
  const { t } = useStationContext()
  const held = addressCheck !== null && !addressCheck.ok
  const carrier = order === null ? undefined : carrierKey(order.carrier)
  const service = order === null ? undefined : serviceLevelKey(order.serviceLevel)
  return (
    <section className={held ? "card ship-to ship-to-held" : "card ship-to"} data-testid="ship-to">
      {order !== null && (
        <div className="ship-order">
          <span className="mono ship-order-id id">{order.orderId}</span>
          <span className="ship-customer">{order.customerName}</span>
          <span className="ship-service">
            {carrier === undefined ? order.carrier : t(carrier)} ·{" "}
            {service === undefined ? order.serviceLevel : t(service)}
          </span>
        </div>
      )}
      <h2>{t("pack.shipTo")}</h2>
      {addressCheck !== null && (
        <address className="address" data-testid="address">
          {addressCheck.formatted.join("\n")}
        </address>
      )}
      {held && (
        <div className="address-hold" data-testid="address-hold">
          <strong>{t("pack.addressHold")}</strong>
          <ul>
            {addressCheck.errors.map((error) => (
              <li key={`${error.field}-${error.code}`}>
                <span className="mono">{error.field}</span>: {error.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
