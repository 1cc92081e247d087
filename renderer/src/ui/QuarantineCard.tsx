/** The Manager screen's card of shop messages the station could not apply. */
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { CardRead } from "./CardRead.tsx"
import { formatDateTime } from "./formatDate.ts"

/**
 * Messages from the shop the station could not apply (malformed, unknown type, refused by its handler). They were
 * never applied and are kept with the reason, so a manager can see what the shop must send again.
 */
export const QuarantineCard = () => {
  const { t, locale } = useStationContext()
  const quarantined = useApiQuery("sync.quarantine", { limit: 20 }, ["event", "status"])
  return (
    <section className="card" data-testid="quarantine-card">
      <h2>{t("manager.quarantine")}</h2>
      <CardRead
        query={quarantined}
        isEmpty={(rows) => rows.length === 0}
        none={<p className="hint">{t("quarantine.none")}</p>}
      >
        {(rows) => (
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("event.time")}</th>
                <th>{t("quarantine.topic")}</th>
                <th>{t("quarantine.reason")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>{formatDateTime(locale, row.receivedAtMs)}</td>
                  <td className="mono">{row.topic.split("/").slice(-2).join("/")}</td>
                  <td title={row.payload}>{row.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CardRead>
    </section>
  )
}
