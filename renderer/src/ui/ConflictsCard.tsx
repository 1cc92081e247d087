/** The Manager screen's card of sync conflicts and refused events. */
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { CardRead } from "./CardRead.tsx"
import { formatDateTime } from "./formatDate.ts"

/**
 * Conflicts (a second message at a number another one already holds) and events the hub refused in their place,
 * from the station's inbox and as the hub reports them: never applied or dropped in silence, counted here.
 */
export const ConflictsCard = () => {
  const { t, locale } = useStationContext()
  const found = useApiQuery("sync.conflicts", { limit: 20 }, ["alert", "status"])
  return (
    <section className="card" data-testid="conflicts-card">
      <h2>{t("manager.conflicts")}</h2>
      <CardRead
        query={found}
        isEmpty={(answer) => answer.total === 0}
        none={<p className="hint">{t("conflicts.none")}</p>}
      >
        {(data) => (
          <>
            <p data-testid="conflicts-total">{t("conflicts.total", { count: data.total })}</p>
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t("event.time")}</th>
                  <th>{t("conflicts.source")}</th>
                  <th>{t("conflicts.seq")}</th>
                  <th>{t("conflicts.refused")}</th>
                  <th>{t("conflicts.kept")}</th>
                  <th>{t("conflicts.seen")}</th>
                </tr>
              </thead>
              <tbody>
                {data.conflicts.map((row) => (
                  <tr key={row.id} data-kind={row.kind} title={row.reason}>
                    <td>{formatDateTime(locale, row.lastSeenMs)}</td>
                    <td className="mono">{row.source}</td>
                    <td className="mono">{row.seq}</td>
                    <td className="mono">{row.refusedId}</td>
                    <td className="mono">{row.keptId ?? "–"}</td>
                    <td>{row.seen}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </CardRead>
      {found.error === undefined && found.data !== undefined && found.data.quarantineEvicted > 0 ? (
        <p className="hint">{t("conflicts.evicted", { count: found.data.quarantineEvicted })}</p>
      ) : null}
    </section>
  )
}
