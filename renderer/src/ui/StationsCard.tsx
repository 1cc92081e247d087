/** The Manager screen's card of which stations of the site are up. */
import { describeOfflineReason } from "../i18n/describeOfflineReason.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { CardRead } from "./CardRead.tsx"
import { FleetProblemNotice } from "./FleetProblemNotice.tsx"
import { formatAge } from "./formatAge.ts"
import { OfflineReasonDetail } from "./OfflineReasonDetail.tsx"
import { useNow } from "./useNow.ts"

/**
 * Which stations of the site are up, from their retained presence on the broker: a birth on every connect, a clean
 * "offline" on stop, the broker's last will when a station dies or loses its link.
 */
export const StationsCard = () => {
  const { t } = useStationContext()
  const fleet = useApiQuery("fleet.presence", {}, ["fleet"])
  const now = useNow(5_000)
  return (
    <section className="card" data-testid="stations-card">
      <h2>{t("manager.stations")}</h2>
      {fleet.data?.problem !== undefined && <FleetProblemNotice problem={fleet.data.problem} alert />}
      <CardRead
        query={fleet}
        isEmpty={(view) => view.stations.length === 0}
        none={<p className="hint">{t("stations.none")}</p>}
      >
        {({ stations }) => (
          <ul className="devices">
            {stations.map((station) => {
              const reason =
                station.offlineReason === undefined ? undefined : describeOfflineReason(t, station.offlineReason)
              return (
                <li
                  key={station.stationId}
                  data-station={station.stationId}
                  data-state={station.state}
                  data-offline-reason={station.offlineReason?.code}
                >
                  <span
                    className={`state-dot ${station.state === "online" ? "state-ok" : "state-unknown"}`}
                    aria-hidden="true"
                  />
                  <div>
                    <div>
                      <strong className="mono id">{station.stationId}</strong>
                      {station.self && <span className="muted"> · {t("stations.self")}</span>}
                      {station.appVersion !== undefined && (
                        <span className="muted"> · {t("stations.version", { version: station.appVersion })}</span>
                      )}
                    </div>
                    <div className="muted">
                      {t(station.state === "online" ? "stations.online" : "stations.offline")}{" "}
                      {station.sinceMs === null
                        ? t("stations.sinceUnknown")
                        : t("stations.for", { age: formatAge(now - station.sinceMs) })}
                      {reason !== undefined && ` · ${reason}`}
                      {station.sinceMs === null &&
                        ` · ${t("stations.lastSeen", { age: formatAge(now - station.lastSeenMs) })}`}
                    </div>
                    <OfflineReasonDetail reason={station.offlineReason} />
                    {station.numbering !== undefined && (
                      <div className="muted" data-testid="station-numbering">
                        {t("stations.numbering", {
                          index: station.numbering.stationIndex,
                          stations: station.numbering.stations
                        })}
                      </div>
                    )}
                    {station.numberingClash !== undefined && (
                      <div className="error-text" role="alert" data-testid="station-numbering-clash">
                        {t("stations.numberingClash", { others: station.numberingClash.join(", ") })}
                      </div>
                    )}
                    {station.problem !== undefined && <FleetProblemNotice problem={station.problem} alert={false} />}
                  </div>
                </li>
              )
            })}
          </ul>
        )}
      </CardRead>
    </section>
  )
}
