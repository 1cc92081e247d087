/** The open return: its order, window, declared reasons and items. */
import type { MessageKey } from "../i18n/de.ts"
import { de } from "../i18n/de.ts"
import { describeReturnNote } from "../i18n/describeReturnNote.ts"
import { useStationContext } from "../station/StationContext.ts"
import { EvidencePhoto } from "./EvidencePhoto.tsx"
import { formatDate } from "./formatDate.ts"
import type { ReturnCase } from "./returnsChoices.ts"

const reasonKey = (reason: string): MessageKey | undefined => {
  const key = `reason.${reason}`
  return Object.hasOwn(de, key) ? (key as MessageKey) : undefined
}

/** What came back and against what: the order, what was shipped, the customer's reasons and the return window. */
export const ReturnCaseCard = ({ current }: { readonly current: ReturnCase }) => {
  const { t, locale } = useStationContext()
  const returnWindow = current.window
  const reason = (text: string) => {
    const key = reasonKey(text)
    return key === undefined ? text : t(key)
  }
  return (
    <section
      className="card return-case"
      data-testid="return-case"
      data-known={current.known}
      data-return-id={current.returnId}
    >
      <h2>
        {current.known ? t("returns.case", { returnId: current.returnId }) : t("returns.unknown")}
        {!current.known && <span className="mono muted return-id">{current.returnId}</span>}
      </h2>
      <dl className="facts">
        {current.orderId !== null && (
          <div>
            <dt>{t("returns.order")}</dt>
            <dd className="mono id" data-testid="return-order">
              {current.orderId}
            </dd>
          </div>
        )}
        {current.parcelId !== null && (
          <div>
            <dt>{t("returns.parcel")}</dt>
            <dd className="mono id" data-testid="return-parcel">
              {current.parcelId}
            </dd>
          </div>
        )}
        {current.rmaId !== null && (
          <div>
            <dt>{t("returns.rma")}</dt>
            <dd className="mono">{current.rmaId}</dd>
          </div>
        )}
        {current.known && (
          <div>
            <dt>{t("returns.window")}</dt>
            <dd data-testid="return-window" data-state={returnWindow.state}>
              <span className={`badge window-${returnWindow.state}`}>{t(`window.${returnWindow.state}`)}</span>{" "}
              {returnWindow.sinceMs === null || returnWindow.days === null
                ? t("returns.windowNoDate", { windowDays: returnWindow.windowDays })
                : t("returns.windowSince", {
                    days: returnWindow.days,
                    windowDays: returnWindow.windowDays,
                    basis: t(`basis.${returnWindow.basis}`),
                    date: formatDate(locale, returnWindow.sinceMs)
                  })}
            </dd>
          </div>
        )}
      </dl>
      {current.known && (
        <div className="return-columns">
          <div>
            <h3>{t("returns.shipped")}</h3>
            {current.shipped.length === 0 ? (
              <p className="hint">{t("returns.noShipped")}</p>
            ) : (
              <ul className="plain-list" data-testid="return-shipped">
                {current.shipped.map((unit) => (
                  <li key={`${unit.parcelId}-${unit.lineId}-${unit.serial ?? ""}-${unit.lot ?? ""}`}>
                    <span className="mono">
                      {unit.quantity} × {unit.sku}
                    </span>
                    {unit.serial !== null && (
                      <span className="muted"> · {t("returns.serial", { serial: unit.serial })}</span>
                    )}
                    {unit.lot !== null && <span className="muted"> · {t("returns.lot", { lot: unit.lot })}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3>{t("returns.declared")}</h3>
            {current.declared.length === 0 ? (
              <p className="hint">{t("returns.noDeclared")}</p>
            ) : (
              <ul className="plain-list" data-testid="return-declared">
                {current.declared.map((entry) => (
                  <li key={`${entry.sku}-${entry.reason}`}>
                    <span className="mono">
                      {entry.quantity} × {entry.sku}
                    </span>
                    : {reason(entry.reason)}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
      {current.known && current.parcelId !== null && (
        <EvidencePhoto parcelId={current.parcelId} hideWhenNone heading={t("evidence.shipped")} />
      )}
      {current.notes.length > 0 && (
        <div className="station-notes" data-testid="return-notes">
          <h3>{t("returns.stationNotes")}</h3>
          {current.notes.map((note) => {
            const words = describeReturnNote(t, note)
            return (
              <p key={words} className="muted">
                {words}
              </p>
            )
          })}
        </div>
      )}
    </section>
  )
}
