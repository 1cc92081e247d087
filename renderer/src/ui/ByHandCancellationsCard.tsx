/** The Manager screen's card of the shipments to cancel in the carrier's portal, a manager's close of one and its reopen. */
import { useState } from "react"
import type { ByHandCancellation, ClosedByHand } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"
import { carrierName } from "./carriers.ts"
import { formatDateTime } from "./formatDate.ts"
import { Identifiers } from "./Identifiers.tsx"
import { ManagerNoteForm } from "./ManagerNoteForm.tsx"

/** How many cancellations the card lists; the station says when there are more. */
const SHOWN = 50

/** What a manager found in the carrier's portal: the shipment cancelled there, or no shipment at the carrier at all. */
type PortalAnswer = "cancelled" | "no-shipment"

/**
 * A manager's word on the shipment in the carrier's portal (`pack.closeCancellationByHand`): cancelled there, with its
 * required reference (the portal's cancellation number, or what it showed), or no shipment found at the carrier, with
 * a required note instead (where and how they looked).
 */
const CloseForm = ({
  cancellation,
  onClosed,
  onLeave
}: {
  readonly cancellation: ByHandCancellation
  readonly onClosed: (answer: PortalAnswer) => void
  readonly onLeave: () => void
}) => {
  const { t, client } = useStationContext()
  const [answer, setAnswer] = useState<PortalAnswer>("cancelled")
  const choice = (value: PortalAnswer, label: string) => (
    <label className="portal-answer">
      <input
        type="radio"
        name="portal-answer"
        data-testid={`by-hand-close-${value}`}
        checked={answer === value}
        onChange={() => setAnswer(value)}
      />{" "}
      {label}
    </label>
  )
  return (
    <ManagerNoteForm
      testId="by-hand-close"
      field={answer === "cancelled" ? "reference" : "note"}
      options={
        <div className="portal-answers" role="radiogroup" aria-label={t("byHand.portalShowed")}>
          {choice("cancelled", t("byHand.answerCancelled"))}
          {choice("no-shipment", t("byHand.answerNoShipment"))}
        </div>
      }
      title={
        cancellation.trackingNumber === null
          ? t("byHand.closeTitleByParcel", {
              carrier: carrierName(t, cancellation.carrier),
              parcelId: cancellation.parcelId
            })
          : t("byHand.closeTitle", {
              carrier: carrierName(t, cancellation.carrier),
              shipment: cancellation.trackingNumber
            })
      }
      label={t(answer === "cancelled" ? "byHand.reference" : "byHand.note")}
      hint={t("byHand.closeHint")}
      confirm={t("byHand.closeConfirm")}
      send={(text) =>
        client.call(
          "pack.closeCancellationByHand",
          answer === "cancelled"
            ? { parcelId: cancellation.parcelId, reference: text }
            : { parcelId: cancellation.parcelId, portalAnswer: "no-shipment", note: text }
        )
      }
      onDone={() => onClosed(answer)}
      onLeave={onLeave}
    />
  )
}

/**
 * A manager's reopen of a close entered by mistake, with its required reason: `pack.reopenCancellationByHand`. The
 * close stays on record; the shipment is listed again to cancel in the portal.
 */
const ReopenForm = ({
  close,
  onReopened,
  onLeave
}: {
  readonly close: ClosedByHand
  readonly onReopened: () => void
  readonly onLeave: () => void
}) => {
  const { t, client } = useStationContext()
  return (
    <ManagerNoteForm
      testId="by-hand-reopen"
      field="reason"
      title={
        close.trackingNumber === null
          ? t("byHand.reopenTitleByParcel", { carrier: carrierName(t, close.carrier), parcelId: close.parcelId })
          : t("byHand.reopenTitle", { carrier: carrierName(t, close.carrier), shipment: close.trackingNumber })
      }
      label={t("byHand.reopenReason")}
      hint={t("byHand.reopenHint")}
      confirm={t("byHand.reopenConfirm")}
      send={(reason) => client.call("pack.reopenCancellationByHand", { parcelId: close.parcelId, reason })}
      onDone={onReopened}
      onLeave={onLeave}
    />
  )
}

/**
 * The shipments of voided parcels the station cannot cancel, as their carrier is no longer set up for the web service
 * that made them (`pack.cancellationsByHand`): which parcel, carrier, shipment number (or none known: look it up by
 * the parcel id), since when and why. Shown only while there are some; a signed-in manager closes one once it is
 * cancelled in the carrier's portal (`pack.closeCancellationByHand`, audited), and the header's count follows. The
 * latest closes in force are listed below, for a manager to reopen one entered by mistake (`pack.reopenCancellationByHand`).
 */
export const ByHandCancellationsCard = ({ isManager }: { readonly isManager: boolean }) => {
  const { t, locale } = useStationContext()
  const listed = useApiQuery("pack.cancellationsByHand", { limit: SHOWN }, ["status"])
  const [closing, setClosing] = useState<string>()
  const [closed, setClosed] = useState<{ readonly cancellation: ByHandCancellation; readonly answer: PortalAnswer }>()
  const [reopening, setReopening] = useState<string>()
  const [reopened, setReopened] = useState<ClosedByHand>()
  const cancellations = listed.data?.cancellations ?? []
  const closes = listed.data?.closed ?? []
  const nothing = cancellations.length === 0 && closes.length === 0
  if (listed.error === undefined && nothing && closed === undefined && reopened === undefined) return null
  return (
    <section className="card" data-testid="by-hand-card">
      <h2>{t("manager.byHand")}</h2>
      {closed !== undefined && (
        <p className="done-banner" role="status" data-testid="by-hand-closed">
          ✔ <ClosedText {...closed} />
        </p>
      )}
      {reopened !== undefined && (
        <p className="done-banner" role="status" data-testid="by-hand-reopened">
          ✔ {t("byHand.reopened", { carrier: carrierName(t, reopened.carrier), parcelId: reopened.parcelId })}
        </p>
      )}
      {listed.error !== undefined ? (
        <ReadFailure error={listed.error} showingLast={false} />
      ) : cancellations.length === 0 ? (
        <p className="hint">{t("byHand.none")}</p>
      ) : (
        <>
          <p className="hint">{t(isManager ? "byHand.intro" : "byHand.managerOnly")}</p>
          <table className="table table-compact" data-testid="by-hand-cancellations">
            <thead>
              <tr>
                <th>{t("held.parcel")}</th>
                <th>{t("held.carrier")}</th>
                <th>{t("byHand.shipment")}</th>
                <th>{t("byHand.since")}</th>
                <th>{t("held.why")}</th>
                {isManager && <th />}
              </tr>
            </thead>
            <tbody>
              {cancellations.map((cancellation) => (
                <ByHandRow
                  key={cancellation.parcelId}
                  cancellation={cancellation}
                  since={formatDateTime(locale, cancellation.sinceMs)}
                  isManager={isManager}
                  closing={closing === cancellation.parcelId}
                  onClose={() => {
                    setClosed(undefined)
                    setReopened(undefined)
                    setClosing(cancellation.parcelId)
                  }}
                  onClosed={(answer) => {
                    setClosing(undefined)
                    setClosed({ cancellation, answer })
                    listed.reload()
                  }}
                  onLeave={() => setClosing(undefined)}
                />
              ))}
            </tbody>
          </table>
          {listed.data?.more === true && <p className="hint">{t("byHand.more")}</p>}
        </>
      )}
      {closes.length > 0 && (
        <>
          <h3>{t("byHand.closedLately", { days: listed.data?.closedShownDays ?? 0 })}</h3>
          <table className="table table-compact" data-testid="by-hand-closes">
            <thead>
              <tr>
                <th>{t("held.parcel")}</th>
                <th>{t("held.carrier")}</th>
                <th>{t("byHand.shipment")}</th>
                <th>{t("byHand.closedAt")}</th>
                <th>{t("byHand.closedWith")}</th>
                {isManager && <th />}
              </tr>
            </thead>
            <tbody>
              {closes.map((close) => (
                <ClosedRow
                  key={`${close.parcelId}-${close.closedAtMs}`}
                  close={close}
                  closedAt={formatDateTime(locale, close.closedAtMs)}
                  isManager={isManager}
                  reopening={reopening === close.parcelId}
                  onReopen={() => {
                    setClosed(undefined)
                    setReopened(undefined)
                    setReopening(close.parcelId)
                  }}
                  onReopened={() => {
                    setReopening(undefined)
                    setReopened(close)
                    listed.reload()
                  }}
                  onLeave={() => setReopening(undefined)}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

/** What the station recorded of a close, in words: cancelled in the portal, or no shipment found at the carrier. */
const ClosedText = ({
  cancellation,
  answer
}: {
  readonly cancellation: ByHandCancellation
  readonly answer: PortalAnswer
}) => {
  const { t } = useStationContext()
  const carrier = carrierName(t, cancellation.carrier)
  if (answer === "no-shipment") return t("byHand.closedNoShipment", { carrier, parcelId: cancellation.parcelId })
  return cancellation.trackingNumber === null
    ? t("byHand.closedByParcel", { carrier, parcelId: cancellation.parcelId })
    : t("byHand.closed", { carrier, shipment: cancellation.trackingNumber })
}

/** A close in force: who closed it and when, with what the portal showed, and a manager's reopen. */
const ClosedRow = ({
  close,
  closedAt,
  isManager,
  reopening,
  onReopen,
  onReopened,
  onLeave
}: {
  readonly close: ClosedByHand
  readonly closedAt: string
  readonly isManager: boolean
  readonly reopening: boolean
  readonly onReopen: () => void
  readonly onReopened: () => void
  readonly onLeave: () => void
}) => {
  const { t } = useStationContext()
  return (
    <>
      <tr data-testid="by-hand-closed-row" data-parcel={close.parcelId}>
        <td className="mono held-id">
          {close.parcelId}
          <div className="muted">
            <Identifiers text={t("byHand.order", { orderId: close.orderId })} />
          </div>
        </td>
        <td className="held-id">{carrierName(t, close.carrier)}</td>
        <td className="mono">{close.trackingNumber ?? <span className="muted">{t("byHand.numberNone")}</span>}</td>
        <td>{t("byHand.closedBy", { time: closedAt, badgeId: close.badgeId })}</td>
        <td data-testid="by-hand-closed-with">
          {close.portalAnswer === "no-shipment" ? (
            <>
              <strong>{t("byHand.noShipment")}</strong>
              <div className="muted">„{close.note}“</div>
            </>
          ) : (
            <>„{close.reference}“</>
          )}
        </td>
        {isManager && (
          <td>
            {!reopening && (
              <button type="button" className="button-secondary" data-testid="by-hand-reopen" onClick={onReopen}>
                {t("byHand.reopen")}
              </button>
            )}
          </td>
        )}
      </tr>
      {isManager && reopening && (
        <tr>
          <td colSpan={6}>
            <ReopenForm close={close} onReopened={onReopened} onLeave={onLeave} />
          </td>
        </tr>
      )}
    </>
  )
}

const ByHandRow = ({
  cancellation,
  since,
  isManager,
  closing,
  onClose,
  onClosed,
  onLeave
}: {
  readonly cancellation: ByHandCancellation
  readonly since: string
  readonly isManager: boolean
  readonly closing: boolean
  readonly onClose: () => void
  readonly onClosed: (answer: PortalAnswer) => void
  readonly onLeave: () => void
}) => {
  const { t } = useStationContext()
  const carrier = carrierName(t, cancellation.carrier)
  return (
    <>
      <tr data-testid="by-hand-cancellation" data-parcel={cancellation.parcelId}>
        <td className="mono held-id">
          {cancellation.parcelId}
          <div className="muted">
            <Identifiers text={t("byHand.order", { orderId: cancellation.orderId })} />
          </div>
        </td>
        <td className="held-id">{carrier}</td>
        <td className="mono">
          {cancellation.trackingNumber ?? (
            <span className="muted">{t("byHand.numberUnknown", { parcelId: cancellation.parcelId })}</span>
          )}
        </td>
        <td>{since}</td>
        <td data-testid="by-hand-why">
          <strong>{t("byHand.why", { carrier })}</strong>
          <div className="muted">{t("byHand.voidReason", { reason: cancellation.reason })}</div>
        </td>
        {isManager && (
          <td>
            {!closing && (
              <button type="button" className="button-secondary" data-testid="by-hand-close" onClick={onClose}>
                {t("byHand.close")}
              </button>
            )}
          </td>
        )}
      </tr>
      {isManager && closing && (
        <tr>
          <td colSpan={6}>
            <CloseForm cancellation={cancellation} onClosed={onClosed} onLeave={onLeave} />
          </td>
        </tr>
      )}
    </>
  )
}
