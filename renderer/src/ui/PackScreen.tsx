/** The Pack screen: the order on the bench, its lines, box, weight, label and refusals. */
import { useEffect, useState } from "react"
import type { Operator, PackView } from "../../../core/api/StationApi.ts"
import { captureStill } from "../camera/captureStill.ts"
import type { MessageKey } from "../i18n/de.ts"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { useBenchView } from "../station/useBenchView.ts"
import { useScale } from "../station/useScale.ts"
import { BenchError } from "./BenchError.tsx"
import { CameraScanner } from "./CameraScanner.tsx"
import { ReadFailure } from "./CardRead.tsx"
import { ManualEntry } from "./ManualEntry.tsx"
import { OpenOrders } from "./OpenOrders.tsx"
import { PackLines } from "./PackLines.tsx"
import { ParcelCard } from "./ParcelCard.tsx"
import { PrintPreviews } from "./PrintPreviews.tsx"
import { RefusalBanner } from "./RefusalBanner.tsx"
import { ScanArea } from "./ScanArea.tsx"
import { ScanOutcomePanel } from "./ScanOutcomePanel.tsx"
import { ShipToCard } from "./ShipToCard.tsx"
import { useBenchKeys } from "./useBenchKeys.ts"

export interface PackScreenProps {
  readonly operator: Operator | null | undefined
  readonly lastScan: ScanDisplay | undefined
  readonly onScan: (raw: string, source: "manual" | "camera") => void
}

/**
 * The cancelled-order alert releases the bench's order, so the view is reloaded when one arrives; a print job may be
 * the label of a parcel that waited for it, whose card then shows its tracking number.
 */
const REFRESH_ON = ["alert", "printJob"] as const

type Mode = "normal" | "short-ship" | "abandon"

const prompts: Readonly<Record<PackView["step"], readonly [MessageKey, MessageKey]>> = {
  idle: ["pack.scanOrder", "pack.scanOrderHint"],
  "order-open": ["pack.step.order-open", "pack.step.order-openHint"],
  "all-verified": ["pack.step.all-verified", "pack.step.all-verifiedHint"],
  parcel: ["pack.step.parcel", "pack.step.parcelHint"],
  labelled: ["pack.step.labelled", "pack.step.packedHint"],
  packed: ["pack.step.packed", "pack.step.packedHint"]
}

const open = (step: PackView["step"]) => step === "order-open" || step === "all-verified" || step === "parcel"

const keyHints: Readonly<Record<PackView["step"], ReadonlyArray<MessageKey>>> = {
  idle: [],
  "order-open": ["pack.keyQuantity", "pack.keyUndo", "pack.keyShortShip", "pack.keyAbandon"],
  "all-verified": ["pack.keyBox", "pack.keyUndo", "pack.keyAbandon"],
  parcel: ["pack.keyScale", "pack.keyWeight", "pack.keyComplete", "pack.keyUndo", "pack.keyAbandon"],
  labelled: [],
  packed: []
}

/**
 * The packing flow, driven by the scanner and a few keys: an order scan opens it, item scans verify the lines, a
 * box barcode (or its number key) and the scale's stable weight (Space or Enter, or typed) close the parcel, F9
 * prints its label. Every step's state comes from the station.
 */
export const PackScreen = ({ operator, lastScan, onScan }: PackScreenProps) => {
  const { t, client } = useStationContext()
  const bench = useBenchView("pack.state", "pack:", lastScan, REFRESH_ON)
  const [mode, setMode] = useState<Mode>("normal")
  const view = bench.view
  const camera = useApiQuery("evidence.camera", {}, [])
  // A still the camera could not take or send: the parcel goes on without it, and the packer is told why.
  const [stillProblem, setStillProblem] = useState<string | undefined>(undefined)
  /**
   * With a browser camera the screen sends its still first; a camera that fails does not stop the parcel, which the
   * station then records with its photo missing.
   */
  const complete = () => {
    if (camera.data?.kind !== "browser") {
      bench.run("pack.complete", {})
      return
    }
    setStillProblem(undefined)
    captureStill()
      .then((jpegBase64) => (jpegBase64 === undefined ? undefined : client.call("evidence.offerStill", { jpegBase64 })))
      .catch((error: unknown) => setStillProblem(error instanceof Error ? error.message : String(error)))
      .finally(() => bench.run("pack.complete", {}))
  }
  const step = view?.step ?? "idle"
  const boxes = useApiQuery("pack.boxes", {}, ["event"])
  const scale = useScale()
  const settled = scale?.state === "ok" && scale.reading?.stable === true && scale.reading.grams > 0
  // The shop may have changed the boxes since the screen loaded them: look again when the packer is to choose one.
  const reloadBoxes = boxes.reload
  useEffect(() => {
    if (step === "all-verified") reloadBoxes()
  }, [step, reloadBoxes])

  const typed = useBenchKeys(
    {
      onNumber: (value) => {
        if (view === undefined) return
        if (mode === "short-ship") {
          const line = view.lines[value - 1]
          setMode("normal")
          if (line !== undefined)
            bench.run("pack.shortShip", { lineId: line.lineId, reason: t("pack.shortShipReason") })
        } else if (step === "order-open") {
          bench.run("pack.quantity", { quantity: value })
        } else if (step === "all-verified") {
          const box = boxes.data?.find((candidate) => candidate.key === String(value))
          if (box !== undefined) bench.run("pack.chooseBox", { boxId: box.boxId })
        } else if (step === "parcel") {
          bench.run("pack.weight", { grams: value, source: "typed" })
        }
      },
      onKey: (key) => {
        if (mode !== "normal") {
          if (key === "Enter" && mode === "abandon") bench.run("pack.abandon", {})
          if (key !== "Enter" && key !== "Escape") return false
          setMode("normal")
          return true
        }
        if (!open(step)) return false
        if (key === "Backspace" || key === "F8") bench.run("pack.undo", {})
        else if (step === "parcel" && (key === " " || (key === "Enter" && view?.weight == null && settled)))
          bench.run("pack.weighOnScale", {})
        else if (key === "F9" || (key === "Enter" && view?.weight != null)) complete()
        else if (key === "Escape") setMode("abandon")
        else if (key === "F7" && step === "order-open") setMode("short-ship")
        else return false
        return true
      }
    },
    lastScan?.id
  )

  if (!operator) {
    return <ScanArea title={t("pack.signInTitle")} hint={t("pack.signInHint")} lastScan={lastScan} onScan={onScan} />
  }
  const [title, packedHint] = prompts[step]
  // No label to stick on yet: the parcel stays at the bench until its carrier's service answers, or, when the label
  // will not come, until a manager voids it.
  const hint =
    view?.parcel?.status !== "label-pending"
      ? packedHint
      : view.parcel.labelRefusal === undefined
        ? "pack.step.labelPendingHint"
        : "pack.step.labelRefusedHint"
  const done = step === "packed" || step === "labelled"
  const addressHeld = view?.addressCheck != null && !view.addressCheck.ok
  if (view === undefined || view.order === null) {
    return (
      <ScanArea title={t(title)} hint={t(hint)} lastScan={lastScan} onScan={onScan}>
        <BenchError error={bench.error} />
        {stillProblem !== undefined && (
          <p className="error-text" data-testid="still-problem">
            {t("evidence.stillNotSent", { reason: stillProblem })}
          </p>
        )}
        {addressHeld && bench.refusal?.code === "order-address-hold" ? (
          <ShipToCard order={null} addressCheck={view?.addressCheck ?? null} />
        ) : (
          <RefusalBanner refusal={bench.refusal} reasonOnly={bench.refusalFromScan} />
        )}
        <OpenOrders />
      </ScanArea>
    )
  }
  return (
    <div className="bench" data-step={step}>
      <div className="bench-main">
        <section className="prompt prompt-row" data-testid="prompt">
          <div>
            <h1>{t(title)}</h1>
            <p>{t(hint)}</p>
          </div>
          {typed !== "" && (
            <div className="typed" data-testid="typed">
              {t("pack.typed", { value: typed })}
            </div>
          )}
        </section>
        {mode === "abandon" && (
          <div className="mode-banner" role="alert">
            {t("pack.abandonConfirm", { orderId: view.order.orderId })}
          </div>
        )}
        {mode === "short-ship" && (
          <div className="mode-banner">{t("pack.shortShipPick", { count: view.lines.length })}</div>
        )}
        {!(done && lastScan?.state === "done" && lastScan.outcome.action.startsWith("pack:")) && (
          <ScanOutcomePanel scan={lastScan} />
        )}
        <RefusalBanner refusal={bench.refusal} reasonOnly={bench.refusalFromScan} />
        <BenchError error={bench.error} />
        {/* Without the camera's kind a browser camera sends no still; without the boxes none can be chosen by key. */}
        {camera.error !== undefined && <ReadFailure error={camera.error} showingLast={false} />}
        {boxes.error !== undefined && <ReadFailure error={boxes.error} showingLast={boxes.data !== undefined} />}
        {stillProblem !== undefined && (
          <p className="error-text" data-testid="still-problem">
            {t("evidence.stillNotSent", { reason: stillProblem })}
          </p>
        )}
        {done ? <PrintPreviews jobs={view.printJobs} testId="pack-printouts" /> : <PackLines lines={view.lines} />}
        <div className="fallbacks">
          <ManualEntry onSubmit={(raw) => onScan(raw, "manual")} />
          <CameraScanner onScan={(raw) => onScan(raw, "camera")} />
        </div>
      </div>
      <aside className="bench-side">
        <ShipToCard order={view.order} addressCheck={view.addressCheck} />
        <ParcelCard view={view} boxes={boxes.data} scale={scale} />
        {keyHints[step].length > 0 && (
          <ul className="key-hints">
            {keyHints[step].map((key) => (
              <li key={key}>{t(key)}</li>
            ))}
          </ul>
        )}
      </aside>
    </div>
  )
}
