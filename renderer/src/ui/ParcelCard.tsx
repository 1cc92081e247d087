import type { PackView } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { benchBoxes } from "./benchBoxes.ts"

/** The parcel taking shape: which box, what it should weigh and what it did weigh, then its tracking number. */
export const ParcelCard = ({ view }: { readonly view: PackView }) => {
  const { t, locale } = useStationContext()
  const choosing = view.step === "all-verified"
  return (
    <section className="card parcel" data-testid="parcel-card">
      <dl className="facts">
        <dt>{t("pack.box")}</dt>
        <dd data-testid="box">
          {view.box === null ? (
            <span className={choosing ? "box-keys box-keys-active" : "box-keys"}>
              {benchBoxes.map((boxId, index) => (
                <span key={boxId} className="box-key">
                  <kbd>{index + 1}</kbd> {boxId}
                </span>
              ))}
            </span>
          ) : (
            <strong>{view.box.name[locale]}</strong>
          )}
        </dd>
        {view.step !== "order-open" && (
          <>
            <dt>{t("pack.expectedWeight")}</dt>
            <dd>{t("pack.weightValue", { grams: view.expectedWeightGrams, tolerance: view.toleranceGrams })}</dd>
          </>
        )}
        <dt>{t("pack.weight")}</dt>
        <dd data-testid="weight">
          {view.weight === null ? t("common.none") : <strong>{t("pack.grams", { grams: view.weight.grams })}</strong>}
        </dd>
      </dl>
      {view.parcel?.status === "label-pending" && (
        <div className="refusal label-pending" role="status" data-testid="label-pending">
          <div className="refusal-headline">{t("pack.labelPending")}</div>
          <div className="refusal-reason">{t("pack.labelPendingDetail", { carrier: view.parcel.carrier })}</div>
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
