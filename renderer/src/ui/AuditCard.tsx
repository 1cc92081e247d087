/** The Manager screen's card listing the audit of privileged actions. */
import type { MessageKey } from "../i18n/de.ts"
import { describeAuditEntry } from "../i18n/describeAuditEntry.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { CardRead } from "./CardRead.tsx"
import { formatDateTime } from "./formatDate.ts"

const AuditTable = () => {
  const { t, locale } = useStationContext()
  const audit = useApiQuery("audit.recent", { limit: 30 }, ["event", "status"])
  return (
    <CardRead
      query={audit}
      isEmpty={(entries) => entries.length === 0}
      none={<p className="hint">{t("audit.none")}</p>}
    >
      {(entries) => (
        <>
          <div className="button-row">
            <button type="button" className="button-secondary" onClick={audit.reload}>
              {t("audit.reload")}
            </button>
          </div>
          <table className="table table-compact" data-testid="audit-entries">
            <thead>
              <tr>
                <th>{t("event.time")}</th>
                <th>{t("audit.who")}</th>
                <th>{t("audit.client")}</th>
                <th>{t("audit.action")}</th>
                <th>{t("audit.outcome")}</th>
                <th>{t("audit.detail")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const { action, detail } = describeAuditEntry(t, entry)
                return (
                  <tr key={entry.id} data-action={entry.action} data-outcome={entry.outcome}>
                    <td>{formatDateTime(locale, entry.atMs)}</td>
                    <td>
                      {entry.operator === null
                        ? t("audit.nobody")
                        : `${entry.operator.name} (${t(`role.${entry.operator.role}` as MessageKey)})`}
                    </td>
                    <td className="mono">
                      {entry.clientId === "local" ? t("audit.localClient") : entry.clientId}
                      {entry.clientAddress === null ? "" : ` · ${entry.clientAddress}`}
                    </td>
                    <td title={entry.action}>{action}</td>
                    <td className={entry.outcome === "done" ? "" : "error-text"}>{t(`audit.${entry.outcome}`)}</td>
                    <td className="audit-detail" title={entry.detail}>
                      {detail}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </>
      )}
    </CardRead>
  )
}

/**
 * The audit of privileged actions (manager sign-ins and wrong PINs, voids, overrides, approvals, rule changes): who,
 * when, from which client and how it ended. Only a signed-in manager may read it.
 */
export const AuditCard = ({ isManager }: { readonly isManager: boolean }) => {
  const { t } = useStationContext()
  return (
    <section className="card" data-testid="audit-card">
      <h2>{t("manager.audit")}</h2>
      {isManager ? <AuditTable /> : <p className="hint">{t("audit.managerOnly")}</p>}
    </section>
  )
}
