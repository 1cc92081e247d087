/** The header on every screen: who and where this bench is, and whether its broker, outbox and devices are healthy. */
import type { Locale, StationStatus } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "../i18n/de.ts"
import { describeDevice, describeDeviceCondition } from "../i18n/describeDevice.ts"
import { useStationContext } from "../station/StationContext.ts"
import { formatAge } from "./formatAge.ts"
import { formatRate } from "./formatRate.ts"

export interface HeaderProps {
  readonly status: StationStatus | undefined
  readonly onLocale: (locale: Locale) => void
  readonly onSignOut: () => void
}

const roleKey = (role: string) => `role.${role}` as MessageKey

/** Who and where this bench is, and whether its links (broker, outbox, devices) are healthy: on every screen. */
export const Header = ({ status, onLocale, onSignOut }: HeaderProps) => {
  const { t, locale } = useStationContext()
  const sync = status?.sync
  const troubled = status?.devices.filter((device) => device.state === "warning" || device.state === "error") ?? []
  return (
    <header className="header">
      <div className="header-station">
        <span className="brand">{t("app.title")}</span>
        <span data-testid="station-id">
          {t("header.station")} <strong>{status?.stationId ?? "…"}</strong>
          {" · "}
          {t("header.site")} <strong>{status?.siteId ?? "…"}</strong>
        </span>
      </div>
      <div className="header-operator" data-testid="operator">
        {status?.operator ? (
          <>
            <span className="operator-name">{status.operator.name}</span>
            <span className="operator-role">{t(roleKey(status.operator.role))}</span>
            <button type="button" className="button-small" onClick={onSignOut}>
              {t("header.signOut")}
            </button>
          </>
        ) : (
          <span className="operator-missing">{t("header.scanBadge")}</span>
        )}
      </div>
      <div className="header-health">
        <span className={`pill broker-${sync?.broker ?? "unknown"}`} data-testid="broker-state">
          {t("header.broker")}: {t(`broker.${sync?.broker ?? "unknown"}`)}
        </span>
        <span
          className={`pill ${sync !== undefined && sync.depth > 0 ? "pill-warn" : "pill-quiet"}`}
          data-testid="outbox"
        >
          {t("header.outbox")}: {sync?.depth ?? "–"}
          {sync !== undefined && sync.depth > 0 && sync.oldestUnconfirmedAgeMs !== null
            ? ` · ${t("header.oldest", { age: formatAge(sync.oldestUnconfirmedAgeMs) })}`
            : ""}
          {sync !== undefined && sync.depth > 0 && sync.drainRatePerSec > 0
            ? ` · ${t("header.drain", { rate: formatRate(locale, sync.drainRatePerSec) })}`
            : ""}
        </span>
        {status !== undefined && status.pendingLabels > 0 && (
          <span className="pill pill-warn" data-testid="pending-labels">
            {t("header.pendingLabels", { count: status.pendingLabels })}
          </span>
        )}
        {status !== undefined && status.labelsWithheld > 0 && (
          <span className="pill pill-bad" data-testid="labels-withheld">
            {t("header.labelsWithheld", { count: status.labelsWithheld })}
          </span>
        )}
        {status !== undefined && status.labelsRefused > 0 && (
          <span className="pill pill-bad" data-testid="labels-refused">
            {t("header.labelsRefused", { count: status.labelsRefused })}
          </span>
        )}
        {status !== undefined && status.labelsUnprintable > 0 && (
          <span className="pill pill-bad" data-testid="labels-unprintable">
            {t("header.labelsUnprintable", { count: status.labelsUnprintable })}
          </span>
        )}
        {status !== undefined && status.labelsApiGone > 0 && (
          <span className="pill pill-bad" data-testid="labels-api-gone">
            {t("header.labelsApiGone", { count: status.labelsApiGone })}
          </span>
        )}
        {status !== undefined && status.carrierCancellations > 0 && (
          <span className="pill pill-warn" data-testid="carrier-cancellations">
            {t("header.carrierCancellations", { count: status.carrierCancellations })}
          </span>
        )}
        {status !== undefined && status.cancellationsRefused > 0 && (
          <span className="pill pill-bad" data-testid="cancellations-refused">
            {t("header.cancellationsRefused", { count: status.cancellationsRefused })}
          </span>
        )}
        {status !== undefined && status.cancellationsByHand > 0 && (
          <span className="pill pill-bad" data-testid="cancellations-by-hand">
            {t("header.cancellationsByHand", { count: status.cancellationsByHand })}
          </span>
        )}
        <span
          className={`pill ${troubled.length > 0 ? "pill-bad" : "pill-ok"}`}
          data-testid="device-indicator"
          title={troubled
            .map((device) => `${describeDevice(t, device)}: ${describeDeviceCondition(t, device)}`)
            .join("\n")}
        >
          {troubled.length > 0 ? `⚠ ${t("header.devicesWarning", { count: troubled.length })}` : t("header.devicesOk")}
        </span>
        <fieldset className="locale-toggle" aria-label={t("header.language")}>
          {(["de", "en"] as const).map((option) => (
            <button
              key={option}
              type="button"
              className={option === locale ? "locale-active" : ""}
              aria-pressed={option === locale}
              onClick={() => onLocale(option)}
            >
              {option.toUpperCase()}
            </button>
          ))}
        </fieldset>
      </div>
    </header>
  )
}
