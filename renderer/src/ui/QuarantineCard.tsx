/** The Manager screen's card of shop messages the station could not apply. */
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"

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
      {quarantined.data === undefined || quarantined.data.length === 0 ? (
        <p className="hint">{t("quarantine.none")}</p>
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th>{t("event.time")}</th>
              <th>{t("quarantine.topic")}</th>
              <th>{t("quarantine.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {quarantined.data.map((row) => (
              <tr key={row.id}>
                <td>{new Date(row.receivedAtMs).toLocaleString(locale)}</td>
                <td className="mono">{row.topic.split("/").slice(-2).join("/")}</td>
                <td title={row.payload}>{row.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
