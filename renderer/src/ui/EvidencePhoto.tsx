/** A parcel's pack evidence photo as the station vouches for it, and the Manager screen's parcel view around it. */
import { useState } from "react"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"
import { formatDate, formatDateTime, formatDateTimeShort } from "./formatDate.ts"

/**
 * Shows the photo only when the station says its bytes hash to the SHA-256 recorded at packing; an altered file is
 * flagged, never shown. With `hideWhenNone` (the returns desk) a parcel packed without a camera shows nothing.
 */
export const EvidencePhoto = ({
  parcelId,
  hideWhenNone = false,
  heading
}: {
  readonly parcelId: string
  readonly hideWhenNone?: boolean
  readonly heading?: string
}) => {
  const { t, locale } = useStationContext()
  const photo = useApiQuery("evidence.photo", { parcelId }, [])
  if (photo.error !== undefined) {
    return <ReadFailure error={photo.error} showingLast={false} />
  }
  const view = photo.data
  if (view === undefined || (hideWhenNone && view.status === "none")) return null
  return (
    <figure className="evidence-photo" data-testid="evidence-photo" data-status={view.status}>
      {heading !== undefined && <h3>{heading}</h3>}
      {view.status === "shown" ? (
        <>
          <img src={`data:image/jpeg;base64,${view.jpegBase64}`} alt={t("evidence.alt", { parcelId })} />
          <figcaption className="muted">
            {t("evidence.caption", {
              time: formatDateTime(locale, view.packedAtMs),
              camera: view.cameraId
            })}
            <span className="mono" title={view.sha256}>
              {" "}
              SHA-256 {view.sha256.slice(0, 12)}…
            </span>
          </figcaption>
        </>
      ) : view.status === "altered" ? (
        <p className="error-text" role="alert">
          {t("evidence.altered")}
        </p>
      ) : view.status === "missing" ? (
        <p className="hint">{t("evidence.missing", { reason: view.reason })}</p>
      ) : view.status === "lost" ? (
        <p className="error-text">{t("evidence.lost")}</p>
      ) : view.status === "pruned" ? (
        <p className="hint">{t("evidence.pruned", { date: formatDate(locale, view.prunedAtMs) })}</p>
      ) : (
        <p className="hint">{t("evidence.none")}</p>
      )}
    </figure>
  )
}

/**
 * The Manager screen's parcel view: the last parcels packed here to pick from (newest first, with what their photo
 * is), or a parcel id typed or scanned; and what went into that box.
 */
export const ParcelPhotoCard = () => {
  const { t, locale } = useStationContext()
  const [text, setText] = useState("")
  const [parcelId, setParcelId] = useState<string>()
  const recent = useApiQuery("evidence.recentParcels", {}, ["event"])
  return (
    <section className="card" data-testid="parcel-card">
      <h2>{t("manager.parcel")}</h2>
      {recent.error !== undefined ? (
        <ReadFailure error={recent.error} showingLast={false} />
      ) : recent.data !== undefined && recent.data.length === 0 ? (
        <p className="hint">{t("evidence.noParcels")}</p>
      ) : recent.data !== undefined ? (
        <table className="table table-compact recent-parcels" data-testid="recent-parcels">
          <caption className="muted">{t("evidence.recent")}</caption>
          <tbody>
            {recent.data.map((parcel) => (
              <tr
                key={parcel.parcelId}
                data-parcel-id={parcel.parcelId}
                aria-selected={parcel.parcelId === parcelId}
                className={parcel.parcelId === parcelId ? "selected" : undefined}
              >
                <td>
                  <button type="button" className="link mono id" onClick={() => setParcelId(parcel.parcelId)}>
                    {parcel.parcelId}
                  </button>
                </td>
                <td className="mono id">{parcel.orderId}</td>
                <td>{formatDateTimeShort(locale, parcel.packedAtMs)}</td>
                <td>{t(`evidence.photo.${parcel.photo}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        className="button-row"
        onSubmit={(event) => {
          event.preventDefault()
          const id = text.trim()
          if (id !== "") setParcelId(id)
        }}
      >
        <label>
          {t("evidence.parcelId")}{" "}
          <input
            className="mono"
            value={text}
            maxLength={64}
            onChange={(event) => setText(event.target.value)}
            data-testid="parcel-id-input"
          />
        </label>
        <button type="submit">{t("evidence.show")}</button>
      </form>
      {parcelId !== undefined && <EvidencePhoto key={parcelId} parcelId={parcelId} />}
    </section>
  )
}
