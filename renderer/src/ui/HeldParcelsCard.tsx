/** The Manager screen's card of the parcels held at the station, each with its reason and a manager's void. */
import { useState } from "react"
import type { HeldParcel, StationStatus } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "../i18n/de.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"
import { carrierName } from "./carriers.ts"
import { formatDateTime } from "./formatDate.ts"
import { ManagerNoteForm } from "./ManagerNoteForm.tsx"

/** How many held parcels the card lists; the station says when there are more. */
const SHOWN = 50

const reasonKey = (reason: string) => `held.reason.${reason}` as MessageKey

/** What the station did with the order when it voided the parcel: only a packed order opens again (`PackedParcels`). */
const voidedKey = (parcel: HeldParcel): MessageKey =>
  parcel.orderChange === "order-cancelled-after-packing" ? "held.voidedStaysCancelled" : "held.voidedReopened"

/** Why the parcel is held, in words: the reason, the order's change behind a label's, and the carrier's words. */
const HeldReasonText = ({ parcel }: { readonly parcel: HeldParcel }) => {
  const { t } = useStationContext()
  const labelToCome = parcel.status === "label-pending" && parcel.reason === parcel.orderChange
  return (
    <>
      <strong>{t(reasonKey(parcel.reason))}</strong>
      {parcel.orderChange !== undefined && parcel.orderChange !== parcel.reason && (
        <> – {t(reasonKey(parcel.orderChange))}</>
      )}
      {parcel.reason === "label-refused" && <CarrierRefusal parcel={parcel} />}
      {parcel.reason === "label-api-gone" && (
        <div className="muted">{t("held.apiGone", { carrier: carrierName(t, parcel.carrier) })}</div>
      )}
      {labelToCome && <div className="muted">{t("held.labelToCome")}</div>}
    </>
  )
}

/** The carrier's refusal in words: its HTTP status and its own message, or that it gave none the station can read. */
const CarrierRefusal = ({ parcel }: { readonly parcel: HeldParcel }) => {
  const { t } = useStationContext()
  const carrier = carrierName(t, parcel.carrier)
  const { carrierMessage: message, carrierStatus: status } = parcel
  return (
    <div className="muted" data-testid="held-carrier-says">
      {message === undefined
        ? status === undefined
          ? t("held.carrierGaveNoReason", { carrier })
          : t("held.carrierGaveNoReasonHttp", { carrier, status })
        : status === undefined
          ? t("held.carrierSays", { carrier, message })
          : t("held.carrierSaysHttp", { carrier, status, message })}
    </div>
  )
}

/** A manager's void of one held parcel, with its required reason (`pack.void`). */
const VoidForm = ({
  parcel,
  onVoided,
  onClose
}: {
  readonly parcel: HeldParcel
  readonly onVoided: () => void
  readonly onClose: () => void
}) => {
  const { t, client } = useStationContext()
  return (
    <ManagerNoteForm
      testId="held-void"
      field="reason"
      title={t("held.voidTitle", { parcelId: parcel.parcelId, orderId: parcel.orderId })}
      label={t("held.voidReason")}
      hint={t("held.voidHint")}
      confirm={t("held.voidConfirm")}
      send={(reason) => client.call("pack.void", { parcelId: parcel.parcelId, reason })}
      onDone={onVoided}
      onLeave={onClose}
    />
  )
}

/**
 * What of the station's status the held parcels follow: a parcel is held or let go with an event (packed, voided, its
 * order changed) or with its label (asked for, come, refused, withheld, its carrier's web service gone), so the list
 * is read again when the last event or a label count moves, never for a push that changes only sync or devices.
 */
export const heldRevisionOf = (status: StationStatus | undefined): string | undefined =>
  status === undefined
    ? undefined
    : [
        status.epoch,
        status.lastSeq,
        status.pendingLabels,
        status.labelsWithheld,
        status.labelsRefused,
        status.labelsUnprintable,
        status.labelsApiGone
      ].join(":")

/**
 * The parcels still at the station that must not leave as they are (`pack.held`): the order cancelled or changed
 * after packing, the label refused, withheld or still to come. Anyone sees them; a signed-in manager voids one with a
 * reason (`pack.void`, audited), after which the list and the header's counts follow the station. Read again when
 * what it shows may have changed (`heldRevisionOf`) or on an alert, not on every status push.
 */
export const HeldParcelsCard = ({
  isManager,
  status
}: {
  readonly isManager: boolean
  readonly status: StationStatus | undefined
}) => {
  const { t, locale } = useStationContext()
  const held = useApiQuery("pack.held", { limit: SHOWN }, ["alert"], heldRevisionOf(status))
  const [voiding, setVoiding] = useState<string>()
  const [voided, setVoided] = useState<HeldParcel>()
  const parcels = held.data?.parcels ?? []
  return (
    <section className="card" data-testid="held-parcels-card">
      <h2>{t("manager.held")}</h2>
      {voided !== undefined && (
        <p className="done-banner" role="status" data-testid="held-voided">
          ✔ {t(voidedKey(voided), { parcelId: voided.parcelId, orderId: voided.orderId })}
        </p>
      )}
      {held.error !== undefined ? (
        <ReadFailure error={held.error} showingLast={false} />
      ) : held.data === undefined ? (
        <p className="hint">{t("common.loading")}</p>
      ) : parcels.length === 0 ? (
        <p className="hint" data-testid="held-none">
          {t("held.none")}
        </p>
      ) : (
        <>
          {!isManager && <p className="hint">{t("held.managerOnly")}</p>}
          <table className="table table-compact" data-testid="held-parcels">
            <thead>
              <tr>
                <th>{t("held.parcel")}</th>
                <th>{t("held.order")}</th>
                <th>{t("held.carrier")}</th>
                <th>{t("held.packedAt")}</th>
                <th>{t("held.tracking")}</th>
                <th>{t("held.why")}</th>
                {isManager && <th />}
              </tr>
            </thead>
            <tbody>
              {parcels.map((parcel) => (
                <HeldRow
                  key={parcel.parcelId}
                  parcel={parcel}
                  packedAt={formatDateTime(locale, parcel.packedAtMs)}
                  isManager={isManager}
                  voiding={voiding === parcel.parcelId}
                  onVoid={() => {
                    setVoided(undefined)
                    setVoiding(parcel.parcelId)
                  }}
                  onVoided={() => {
                    setVoiding(undefined)
                    setVoided(parcel)
                    held.reload()
                  }}
                  onClose={() => setVoiding(undefined)}
                />
              ))}
            </tbody>
          </table>
          {held.data.more && (
            <p className="hint" data-testid="held-more">
              {t("held.more")}
            </p>
          )}
        </>
      )}
    </section>
  )
}

const HeldRow = ({
  parcel,
  packedAt,
  isManager,
  voiding,
  onVoid,
  onVoided,
  onClose
}: {
  readonly parcel: HeldParcel
  readonly packedAt: string
  readonly isManager: boolean
  readonly voiding: boolean
  readonly onVoid: () => void
  readonly onVoided: () => void
  readonly onClose: () => void
}) => {
  const { t } = useStationContext()
  return (
    <>
      <tr data-testid="held-parcel" data-parcel={parcel.parcelId} data-reason={parcel.reason}>
        <td className="mono held-id">{parcel.parcelId}</td>
        <td className="mono held-id id">{parcel.orderId}</td>
        <td className="held-id">{carrierName(t, parcel.carrier)}</td>
        <td>{packedAt}</td>
        <td className="mono">{parcel.trackingNumber ?? <span className="muted">{t("held.noTracking")}</span>}</td>
        <td data-testid="held-reason">
          <HeldReasonText parcel={parcel} />
        </td>
        {isManager && (
          <td>
            {!voiding && (
              <button type="button" className="button-secondary" data-testid="held-void" onClick={onVoid}>
                {t("held.void")}
              </button>
            )}
          </td>
        )}
      </tr>
      {isManager && voiding && (
        <tr>
          <td colSpan={7}>
            <VoidForm parcel={parcel} onVoided={onVoided} onClose={onClose} />
          </td>
        </tr>
      )}
    </>
  )
}
