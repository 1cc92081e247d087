/** The Manager screen's card of the cloud shop as the hub sees it. */
import { useEffect, useState } from "react"
import type { ShopConnectorView, ShopPushView } from "../../../core/api/StationApi.ts"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"
import { formatDateTime } from "./formatDate.ts"

/** The hub's shop connectors change without the station's pushes: the card looks again every few seconds. */
const REFRESH_MS = 5_000

const FailedPush = ({
  push,
  isManager,
  onDecided
}: {
  readonly push: ShopPushView
  readonly isManager: boolean
  readonly onDecided: () => void
}) => {
  const { t, client, locale } = useStationContext()
  const [reason, setReason] = useState("")
  const [problem, setProblem] = useState<string>()
  const decide = (action: "retry" | "discard") => {
    setProblem(undefined)
    client.call("shops.decidePush", { pushId: push.pushId, action, reason }).then(
      (answer) => (answer.ok ? onDecided() : setProblem(answer.message)),
      (error: unknown) => setProblem(describeError(t, error))
    )
  }
  return (
    <li className="shop-push" data-testid="shop-failed-push" data-push={push.pushId}>
      <div>
        <strong>{t(`shop.push.${push.kind}`)}</strong> <span className="mono id">{push.orderId}</span>{" "}
        <span className="muted">
          {push.subject} · {formatDateTime(locale, push.updatedAtMs)} · {t("shop.attempts", { count: push.attempts })}
        </span>
      </div>
      {(push.failedAs === "malformed" || push.failedAs === "unauthorized") && (
        <p className="shop-attention" data-testid="shop-handed-over">
          {t(`shop.handedOver.${push.failedAs}`, { count: push.attempts })}
        </p>
      )}
      <div className="error-text">{push.lastError}</div>
      {isManager ? (
        <div className="button-row">
          <input
            type="text"
            value={reason}
            placeholder={t("shop.reason")}
            aria-label={t("shop.reason")}
            data-testid="shop-decision-reason"
            onChange={(event) => setReason(event.target.value)}
          />
          <button
            type="button"
            onClick={() => decide("retry")}
            disabled={reason.trim() === ""}
            data-testid="shop-retry"
          >
            {t("shop.retry")}
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => decide("discard")}
            disabled={reason.trim() === ""}
            data-testid="shop-discard"
          >
            {t("shop.discard")}
          </button>
        </div>
      ) : (
        <p className="hint">{t("shop.managerOnly")}</p>
      )}
      {problem !== undefined && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
    </li>
  )
}

/**
 * A manager's "retry all" for the pushes of one shop that the hub handed over (answers it could not read, access the
 * shop refused): once the access is fixed, one decision with one reason instead of one per push.
 */
const RetryHandedOver = ({
  connectorId,
  count,
  onDecided
}: {
  readonly connectorId: string
  readonly count: number
  readonly onDecided: () => void
}) => {
  const { t, client } = useStationContext()
  const [reason, setReason] = useState("")
  const [outcome, setOutcome] = useState<{ readonly ok: boolean; readonly text: string }>()
  const retryAll = () => {
    setOutcome(undefined)
    client.call("shops.retryHandedOver", { connectorId, reason }).then(
      (answer) => {
        setOutcome(
          answer.ok
            ? { ok: true, text: t("shop.retryAll.done", { count: answer.retried }) }
            : { ok: false, text: answer.message }
        )
        if (answer.ok) onDecided()
      },
      (error: unknown) => setOutcome({ ok: false, text: describeError(t, error) })
    )
  }
  return (
    <div className="shop-attention shop-retry-all" data-testid="shop-retry-all">
      <p>{t("shop.retryAll.hint", { count })}</p>
      <div className="button-row">
        <input
          type="text"
          value={reason}
          placeholder={t("shop.reason")}
          aria-label={t("shop.reason")}
          data-testid="shop-retry-all-reason"
          onChange={(event) => setReason(event.target.value)}
        />
        <button type="button" onClick={retryAll} disabled={reason.trim() === ""} data-testid="shop-retry-all-button">
          {t("shop.retryAll")}
        </button>
      </div>
      {outcome !== undefined && (
        <p className={outcome.ok ? "hint" : "error-text"} role={outcome.ok ? "status" : "alert"}>
          {outcome.text}
        </p>
      )}
    </div>
  )
}

const Connector = ({
  connector,
  isManager,
  onDecided
}: {
  readonly connector: ShopConnectorView
  readonly isManager: boolean
  readonly onDecided: () => void
}) => {
  const { t, locale } = useStationContext()
  const when = (ms: number | null) => (ms === null ? t("common.none") : formatDateTime(locale, ms))
  const handedOver = connector.failedPushes.filter(
    (push) => push.failedAs === "malformed" || push.failedAs === "unauthorized"
  ).length
  const stateClass =
    connector.state === "connected" ? "pill-ok" : connector.state === "failing" ? "pill-bad" : "pill-quiet"
  return (
    <div className="shop-connector" data-testid="shop-connector" data-connector={connector.connectorId}>
      <h3>
        {connector.connectorId} <span className="muted">({t(`shop.type.${connector.type}`)})</span>{" "}
        <span className={`pill ${stateClass}`} data-testid="shop-state">
          {t(`shop.state.${connector.state}`)}
        </span>
      </h3>
      <dl className="facts">
        <dt>{t("shop.lastOrder")}</dt>
        <dd data-testid="shop-last-order">{when(connector.lastOrderAtMs)}</dd>
        <dt>{t("shop.lastPoll")}</dt>
        <dd>{when(connector.lastPollAtMs)}</dd>
        <dt>{t("shop.lastPush")}</dt>
        <dd data-testid="shop-last-push">{when(connector.lastPushAtMs)}</dd>
        <dt>{t("shop.queued")}</dt>
        <dd data-testid="shop-queued">{connector.queuedPushes}</dd>
        {connector.retryAtMs !== null && (
          <>
            <dt>{t("shop.retryAt")}</dt>
            <dd>{when(connector.retryAtMs)}</dd>
          </>
        )}
      </dl>
      {connector.catchUpProblem != null && (
        <div className="shop-attention" role="alert" data-testid="shop-catch-up-problem">
          <p>
            {t(`shop.catchUp.${connector.catchUpProblem.reason}`, {
              count: connector.catchUpProblem.failures,
              since: when(connector.catchUpProblem.sinceMs)
            })}
          </p>
          <p className="error-text">{connector.catchUpProblem.message}</p>
        </div>
      )}
      {connector.lastError !== null && (
        <p className="error-text" data-testid="shop-last-error">
          {t("shop.lastError", { when: when(connector.lastErrorAtMs) })} {connector.lastError}
        </p>
      )}
      {isManager && handedOver > 0 && (
        <RetryHandedOver connectorId={connector.connectorId} count={handedOver} onDecided={onDecided} />
      )}
      {connector.failedPushes.length > 0 && (
        <>
          <h4>{t("shop.failed", { count: connector.failedPushes.length })}</h4>
          <ul className="shop-pushes">
            {connector.failedPushes.map((push) => (
              <FailedPush key={push.pushId} push={push} isManager={isManager} onDecided={onDecided} />
            ))}
          </ul>
        </>
      )}
    </div>
  )
}

/**
 * The cloud shop as the hub sees it: each connector's state, the last order in and push out, what waits in its queue,
 * a catch-up that keeps failing on what waiting does not cure, pushes the shop refused or the hub handed over after
 * failures of that kind (a manager may retry or discard them, with a reason the hub records), quarantined orders, and
 * the shop orders waiting at each site.
 */
export const ShopCard = ({ isManager }: { readonly isManager: boolean }) => {
  const { t, locale } = useStationContext()
  const status = useApiQuery("shops.status", {}, ["status"])
  const { reload } = status
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS)
    return () => clearInterval(timer)
  }, [reload])
  const data = status.data
  return (
    <section className="card shop-card" data-testid="shop-card">
      <h2>{t("shop.title")}</h2>
      {status.error !== undefined ? (
        <ReadFailure error={status.error} showingLast={false} />
      ) : data === undefined ? (
        <p className="hint">{t("common.loading")}</p>
      ) : data.connectors.length === 0 ? (
        <p className="hint">{t("shop.none")}</p>
      ) : (
        <>
          {data.connectors.map((connector) => (
            <Connector key={connector.connectorId} connector={connector} isManager={isManager} onDecided={reload} />
          ))}
          <h3>{t("shop.waiting")}</h3>
          {data.waitingBySite.length === 0 ? (
            <p className="hint">{t("shop.waitingNone")}</p>
          ) : (
            <table className="table table-compact" data-testid="shop-waiting">
              <tbody>
                {data.waitingBySite.map((site) => (
                  <tr key={site.siteId}>
                    <td className="mono">{site.siteId}</td>
                    <td>{t("shop.orders", { count: site.orders })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.quarantined.length > 0 && (
            <>
              <h3>{t("shop.quarantined")}</h3>
              <table className="table table-compact" data-testid="shop-quarantined">
                <tbody>
                  {data.quarantined.map((entry) => (
                    <tr key={`${entry.connectorId}/${entry.shopOrderId}/${entry.atMs}`}>
                      <td>{formatDateTime(locale, entry.atMs)}</td>
                      <td className="mono">
                        {entry.connectorId} {entry.shopOrderId}
                      </td>
                      <td>{entry.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </section>
  )
}
