/** The Manager screen's table of every station of the site as the hub sees it: presence, outbox, oldest unconfirmed. */
import { type FleetStation, offlineReasonOf } from "../../../core/api/StationApi.ts"
import { describeOfflineReason } from "../i18n/describeOfflineReason.ts"
import type { Translate } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { CardRead } from "./CardRead.tsx"
import { FleetProblemNotice } from "./FleetProblemNotice.tsx"
import { formatAge } from "./formatAge.ts"
import { OfflineReasonDetail } from "./OfflineReasonDetail.tsx"
import { useNow } from "./useNow.ts"

const presenceText = (t: Translate, station: FleetStation, now: number) => {
  const state = t(
    station.presence === "online"
      ? "siteFleet.online"
      : station.presence === "offline"
        ? "siteFleet.offline"
        : "siteFleet.unknown"
  )
  const since =
    station.presenceSinceMs === null ? "" : ` ${t("stations.for", { age: formatAge(now - station.presenceSinceMs) })}`
  const reason =
    station.presence === "offline" ? ` · ${describeOfflineReason(t, offlineReasonOf(station.offlineReason))}` : ""
  return `${state}${since}${reason}`
}

/**
 * Every station of this site from the hub's summary (`fleet.hub`): whether it is up, what its outbox still holds and
 * how old the oldest unconfirmed event is (as the station last reported it to the hub), and how far the hub applied
 * its events. This station's row is marked; a summary that stopped coming is shown as stale with its age.
 */
export const SiteFleetCard = () => {
  const { t } = useStationContext()
  const fleet = useApiQuery("fleet.hub", {}, ["siteFleet"])
  const now = useNow(5_000)
  const problem = fleet.data?.problem
  return (
    <section className="card" data-testid="site-fleet-card">
      <h2>{t("siteFleet.title")}</h2>
      {problem !== undefined && <FleetProblemNotice problem={problem} alert />}
      <CardRead
        query={fleet}
        isEmpty={(view) => view.summary === null}
        none={<p className="hint">{t("siteFleet.none")}</p>}
      >
        {(view) => (
          <>
            <p className={view.stale ? "error-text" : "muted"} data-testid="site-fleet-age">
              {t(view.stale ? "siteFleet.stale" : "siteFleet.received", {
                age: formatAge(now - (view.receivedAtMs ?? now))
              })}
            </p>
            <div className="table-scroll">
              <table className="table table-compact" data-stale={view.stale ? "true" : "false"}>
                <thead>
                  <tr>
                    <th>{t("siteFleet.station")}</th>
                    <th>{t("siteFleet.presence")}</th>
                    <th className="numeric">{t("siteFleet.outbox")}</th>
                    <th>{t("siteFleet.oldest")}</th>
                    <th className="numeric">{t("siteFleet.applied")}</th>
                  </tr>
                </thead>
                <tbody>
                  {(view.summary?.stations ?? []).map((station) => {
                    const self = station.stationId === view.stationId
                    return (
                      <tr
                        key={station.stationId}
                        data-station={station.stationId}
                        data-presence={station.presence}
                        className={self ? "fleet-self" : undefined}
                        aria-current={self ? "true" : undefined}
                      >
                        <td className="mono">
                          <span className="id">{station.stationId}</span>
                          {self && <span className="muted"> · {t("stations.self")}</span>}
                        </td>
                        <td>
                          <span
                            className={`state-dot ${station.presence === "online" ? "state-ok" : "state-unknown"}`}
                            aria-hidden="true"
                          />{" "}
                          {presenceText(t, station, now)}
                          {station.presence === "offline" && (
                            <OfflineReasonDetail reason={offlineReasonOf(station.offlineReason)} />
                          )}
                        </td>
                        <td className="numeric" data-testid="fleet-depth">
                          {station.outboxDepth === null ? "–" : station.outboxDepth}
                        </td>
                        <td data-testid="fleet-oldest">
                          {station.outboxDepth === null
                            ? t("siteFleet.notReported")
                            : station.oldestUnconfirmedAtMs === null
                              ? t("siteFleet.allConfirmed")
                              : formatAge(now - station.oldestUnconfirmedAtMs)}
                        </td>
                        <td className="numeric">
                          {station.lastAppliedSeq}
                          {station.heldAtHub > 0 && (
                            <span className="error-text">
                              {" "}
                              · {t("siteFleet.held", { held: station.heldAtHub, gap: station.gapAtHub })}
                            </span>
                          )}
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </CardRead>
    </section>
  )
}
