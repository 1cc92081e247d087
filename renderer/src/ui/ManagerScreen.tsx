/** The Manager screen: the station's health at a glance, for whoever is responsible for the bench. */
import { type ReactNode, useState } from "react"
import type { DeviceStatus, Locale, StationStatus } from "../../../core/api/StationApi.ts"
import { describeDevice, describeDeviceCondition, describeDeviceDetail } from "../i18n/describeDevice.ts"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { AuditCard } from "./AuditCard.tsx"
import { ByHandCancellationsCard } from "./ByHandCancellationsCard.tsx"
import { CardRead } from "./CardRead.tsx"
import { ConflictsCard } from "./ConflictsCard.tsx"
import { CustomerMetricsCard } from "./CustomerMetricsCard.tsx"
import { ParcelPhotoCard } from "./EvidencePhoto.tsx"
import { formatAge } from "./formatAge.ts"
import { formatTime } from "./formatDate.ts"
import { formatRate } from "./formatRate.ts"
import { HeldParcelsCard } from "./HeldParcelsCard.tsx"
import { QuarantineCard } from "./QuarantineCard.tsx"
import { RefundRulesCard } from "./RefundRulesCard.tsx"
import { ShopCard } from "./ShopCard.tsx"
import { SiteFleetCard } from "./SiteFleetCard.tsx"
import { StationsCard } from "./StationsCard.tsx"
import { UrlText } from "./UrlText.tsx"

const SyncCard = ({ status }: { readonly status: StationStatus | undefined }) => {
  const { t, locale } = useStationContext()
  const sync = status?.sync
  if (sync === undefined) return null
  const rows: ReadonlyArray<readonly [string, ReactNode, string?, string?]> = [
    [t("sync.broker"), t(`broker.${sync.broker}`), `broker-text-${sync.broker}`],
    [t("sync.url"), <UrlText key="url" url={sync.brokerUrl} />, "mono", "sync-broker-url"],
    [t("sync.depth"), String(sync.depth)],
    [
      t("sync.oldest"),
      sync.oldestUnconfirmedAgeMs === null ? t("common.none") : formatAge(sync.oldestUnconfirmedAgeMs)
    ],
    [t("sync.drainRate"), t("sync.drainRateValue", { rate: formatRate(locale, sync.drainRatePerSec) })],
    [t("sync.lastPublished"), String(sync.lastPublishedSeq)],
    [t("sync.lastConfirmed"), String(sync.lastConfirmedSeq)],
    ...(sync.lastError === undefined ? [] : [[t("sync.lastError"), sync.lastError, "error-text"] as const])
  ]
  return (
    <section className="card" data-testid="sync-card">
      <h2>{t("manager.sync")}</h2>
      <dl className="facts">
        {rows.map(([label, value, className, testId]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className={className} data-testid={testId}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

const DevicesCard = ({ status }: { readonly status: StationStatus | undefined }) => {
  const { t } = useStationContext()
  const devices = status?.devices ?? []
  const detail = (device: DeviceStatus) => describeDeviceDetail(t, device)
  return (
    <section className="card" data-testid="devices-card">
      <h2>{t("manager.devices")}</h2>
      {devices.length === 0 ? (
        <p className="hint">{t("devices.none")}</p>
      ) : (
        <ul className="devices">
          {devices.map((device) => (
            <li key={device.id} data-device={device.id}>
              <span className={`state-dot state-${device.state}`} aria-hidden="true" />
              <div className="device-text">
                <div>
                  <strong>{describeDevice(t, device)}</strong>{" "}
                  <span className="mono muted device-id" title={device.id}>
                    {device.id}
                  </span>
                </div>
                {device.where !== "" && (
                  <div className="mono muted device-where" title={device.where}>
                    {device.where}
                  </div>
                )}
                <div className="muted">
                  {t(`deviceState.${device.state}`)} · {describeDeviceCondition(t, device)}
                </div>
                {detail(device) !== undefined && <div className="muted device-detail">{detail(device)}</div>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const PrintersCard = () => {
  const { t, client, locale } = useStationContext()
  const jobs = useApiQuery("printer.jobs", {}, ["printJob"])
  const [problem, setProblem] = useState<string>()
  const testPrint = (printer: "label" | "receipt") => {
    setProblem(undefined)
    client
      .call("printer.testPrint", { printer })
      .then(jobs.reload, (error: unknown) => setProblem(describeError(t, error)))
  }
  return (
    <section className="card" data-testid="printers-card">
      <h2>{t("manager.printers")}</h2>
      <div className="button-row">
        <button type="button" onClick={() => testPrint("label")}>
          {t("printer.testLabel")}
        </button>
        <button type="button" onClick={() => testPrint("receipt")}>
          {t("printer.testReceipt")}
        </button>
      </div>
      {problem !== undefined && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
      <h3>{t("printer.jobs")}</h3>
      <CardRead
        query={jobs}
        isEmpty={(listed) => listed.length === 0}
        none={<p className="hint">{t("printer.noJobs")}</p>}
      >
        {(listed) => (
          <ul className="jobs" data-testid="print-jobs">
            {listed.map((job) => (
              <li key={job.id} className={`job job-${job.state}`}>
                <div className="job-meta">
                  <strong>{t(job.printer === "label" ? "printer.label" : "printer.receipt")}</strong>
                  <span className={`badge job-state-${job.state}`}>{t(`jobState.${job.state}`)}</span>
                  <span className="muted">{formatTime(locale, job.createdAtMs)}</span>
                  <span className="muted">{t("printer.attempts", { count: job.attempts })}</span>
                  {job.lastError !== undefined && <span className="error-text">{job.lastError}</span>}
                </div>
                {job.previewUrl === undefined ? (
                  <span className="muted">{t("printer.noPreview")}</span>
                ) : (
                  <img className="job-preview" src={job.previewUrl} alt={t("printer.preview", { id: job.id })} />
                )}
              </li>
            ))}
          </ul>
        )}
      </CardRead>
    </section>
  )
}

const EventsCard = () => {
  const { t, locale } = useStationContext()
  const events = useApiQuery("events.recent", { limit: 15 }, ["event", "status"])
  return (
    <section className="card" data-testid="events-card">
      <h2>{t("manager.events")}</h2>
      <CardRead
        query={events}
        isEmpty={(recent) => recent.length === 0}
        none={<p className="hint">{t("events.none")}</p>}
      >
        {(recent) => (
          <table className="table table-compact">
            <thead>
              <tr>
                <th className="numeric">{t("event.seq")}</th>
                <th>{t("event.type")}</th>
                <th>{t("event.time")}</th>
                <th>{t("event.actor")}</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((event) => (
                <tr key={event.id}>
                  <td className="numeric">{event.seq}</td>
                  <td className="mono">{event.type}</td>
                  <td>{formatTime(locale, event.eventTimeMs)}</td>
                  <td>{event.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CardRead>
    </section>
  )
}

const LanguageCard = ({ onLocale }: { readonly onLocale: (locale: Locale) => void }) => {
  const { t, locale } = useStationContext()
  return (
    <section className="card">
      <h2>{t("manager.language")}</h2>
      <div className="button-row">
        {(["de", "en"] as const).map((option) => (
          <button
            key={option}
            type="button"
            className={option === locale ? "" : "button-secondary"}
            aria-pressed={option === locale}
            onClick={() => onLocale(option)}
          >
            {t(`locale.${option}`)}
          </button>
        ))}
      </div>
    </section>
  )
}

/** The parcels held at the station first, then the station's health at a glance, for whoever is responsible for the bench. */
export const ManagerScreen = ({
  status,
  onLocale
}: {
  readonly status: StationStatus | undefined
  readonly onLocale: (locale: Locale) => void
}) => (
  <div className="manager-grid">
    <div className="manager-column manager-wide">
      <HeldParcelsCard isManager={status?.operator?.role === "manager"} status={status} />
      <ByHandCancellationsCard isManager={status?.operator?.role === "manager"} />
    </div>
    <div className="manager-column">
      <SyncCard status={status} />
      <StationsCard />
      <PrintersCard />
    </div>
    <div className="manager-column">
      <DevicesCard status={status} />
      <EventsCard />
      <ParcelPhotoCard />
      <QuarantineCard />
      <ConflictsCard />
      <LanguageCard onLocale={onLocale} />
    </div>
    {/* The whole width: five columns under German headings ("Älteste unbestätigte") do not fit half of 1024 px. */}
    <div className="manager-column manager-wide">
      <SiteFleetCard />
    </div>
    <div className="manager-column manager-wide">
      <ShopCard isManager={status?.operator?.role === "manager"} />
    </div>
    <div className="manager-column manager-wide">
      <CustomerMetricsCard />
    </div>
    <div className="manager-column manager-wide">
      <RefundRulesCard isManager={status?.operator?.role === "manager"} />
    </div>
    <div className="manager-column manager-wide">
      <AuditCard isManager={status?.operator?.role === "manager"} />
    </div>
  </div>
)
