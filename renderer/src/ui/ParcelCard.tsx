/** The Pack screen's parcel card: box, expected and weighed weight, tracking number. */
import type { BoxListing, PackView, ScaleView } from "../../../core/api/StationApi.ts"
import { describeRefusal, describeRefusalReason } from "../i18n/describeRefusal.ts"
import { useStationContext } from "../station/StationContext.ts"
import { carrierName } from "./carriers.ts"

/**
 * The scale's word as the packer needs it: the weight and whether it has settled, or why there is none, worded from the
 * scale's state; the driver's own (English) words only as a quiet details line under it.
 */
const ScaleReadout = ({ scale }: { readonly scale: ScaleView }) => {
  const { t } = useStationContext()
  if (scale.state !== "ok") {
    return (
      <>
        <span className="scale scale-fault" data-testid="scale" data-state={scale.state}>
          {t(scale.state === "fault" ? "pack.scaleFault" : "pack.scaleDisconnected")}
        </span>
        {scale.detail !== "" && (
          <div className="muted scale-detail" data-testid="scale-detail">
            {t("fleetProblem.details", { detail: scale.detail })}
          </div>
        )}
      </>
    )
  }
  if (scale.reading === null) return <span data-testid="scale">{t("common.none")}</span>
  const { grams, stable } = scale.reading
  return (
    <span className={stable ? "scale scale-stable" : "scale scale-moving"} data-testid="scale" data-stable={stable}>
      {t(stable ? "pack.scaleStable" : "pack.scaleMoving", { grams })}
    </span>
  )
}

/** The parcel taking shape: which box, what it should weigh and what it did weigh, then its tracking number. */
export const ParcelCard = ({
  view,
  boxes,
  scale
}: {
  readonly view: PackView
  readonly boxes: ReadonlyArray<BoxListing> | undefined
  readonly scale: ScaleView | undefined
}) => {
  const { t, locale } = useStationContext()
  const choosing = view.step === "all-verified"
  return (
    <section className="card parcel" data-testid="parcel-card">
      <dl className="facts">
        <dt>{t("pack.box")}</dt>
        <dd data-testid="box">
          {view.box !== null ? (
            <strong>{view.box.name[locale]}</strong>
          ) : boxes !== undefined && boxes.length === 0 ? (
            t("pack.noBoxes")
          ) : (
            <span className={choosing ? "box-keys box-keys-active" : "box-keys"}>
              {(boxes ?? []).map((box) => (
                <span
                  key={box.boxId}
                  className="box-key"
                  title={t("pack.boxSize", { ...box.innerMm, maxKg: box.maxWeightGrams / 1000 })}
                >
                  {box.key !== null && <kbd>{box.key}</kbd>} {box.name[locale]}
                </span>
              ))}
            </span>
          )}
        </dd>
        {view.step !== "order-open" && (
          <>
            <dt>{t("pack.expectedWeight")}</dt>
            <dd>{t("pack.weightValue", { grams: view.expectedWeightGrams, tolerance: view.toleranceGrams })}</dd>
          </>
        )}
        {scale !== undefined && (
          <>
            <dt>{t("pack.scale")}</dt>
            <dd>
              <ScaleReadout scale={scale} />
            </dd>
          </>
        )}
        <dt>{t("pack.weight")}</dt>
        <dd data-testid="weight">
          {view.weight === null ? (
            t("common.none")
          ) : (
            <strong data-source={view.weight.source}>
              {t(view.weight.source === "scale" ? "pack.gramsFromScale" : "pack.grams", { grams: view.weight.grams })}
            </strong>
          )}
        </dd>
      </dl>
      {view.parcel?.status === "label-pending" && view.parcel.labelRefusal !== undefined && (
        // The label will not come (refused by the carrier, or made but not printable): why, and what to do instead.
        <div className="refusal" role="alert" data-testid="label-refused" data-code={view.parcel.labelRefusal.code}>
          <div className="refusal-headline">{describeRefusal(t, view.parcel.labelRefusal)}</div>
          <div className="refusal-reason">{describeRefusalReason(t, view.parcel.labelRefusal)}</div>
        </div>
      )}
      {view.parcel?.status === "label-pending" && view.parcel.labelRefusal === undefined && (
        <div className="refusal label-pending" role="status" data-testid="label-pending">
          <div className="refusal-headline">{t("pack.labelPending")}</div>
          <div className="refusal-reason">
            {t("pack.labelPendingDetail", { carrier: carrierName(t, view.parcel.carrier) })}
          </div>
        </div>
      )}
      {view.parcel !== null && view.parcel.trackingNumber !== null && (
        <dl className="parcel-ids" data-testid="parcel">
          <dt>{t("pack.tracking")}</dt>
          <dd className="mono tracking" data-testid="tracking-number">
            {view.parcel.trackingNumber}
          </dd>
          {view.parcel.sscc !== undefined && (
            <>
              <dt>{t("pack.sscc")}</dt>
              <dd className="mono" data-testid="sscc">
                {view.parcel.sscc}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  )
}
