/** The Returns screen: taking returns in, grading units and finishing, by scanner and keys. */
import { useEffect, useRef, useState } from "react"
import type { Operator } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "../i18n/de.ts"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useBenchView } from "../station/useBenchView.ts"
import { BenchError } from "./BenchError.tsx"
import { CameraScanner } from "./CameraScanner.tsx"
import { CancelReturnForm } from "./CancelReturnForm.tsx"
import { DispositionPicker } from "./DispositionPicker.tsx"
import { ManualEntry } from "./ManualEntry.tsx"
import { RefusalBanner } from "./RefusalBanner.tsx"
import { ReturnCaseCard } from "./ReturnCaseCard.tsx"
import { ReturnItems } from "./ReturnItems.tsx"
import { dispositionKeys, gradeKeys, gradingTarget, type ReturnCase } from "./returnsChoices.ts"
import { ScanArea } from "./ScanArea.tsx"
import { ScanOutcomePanel } from "./ScanOutcomePanel.tsx"
import { useSingleKeys } from "./useSingleKeys.ts"

// The hub's refund rejection comes as an alert: the item's decision shows it after a reload.
const REFRESH_ON = ["alert"] as const
const NOTE_ID = "return-item-note"

type Phase = "grading" | "deciding" | "decided"

const phaseOf = (current: ReturnCase): Phase =>
  current.items.length === 0 || current.items.some((item) => item.grade === null)
    ? "grading"
    : current.items.some((item) => item.decision === null)
      ? "deciding"
      : "decided"

const prompts: Readonly<Record<Phase, readonly [MessageKey, MessageKey]>> = {
  grading: ["returns.scanItems", "returns.scanItemsHint"],
  deciding: ["returns.decideTitle", "returns.decideHint"],
  decided: ["returns.decidedTitle", "returns.decidedHint"]
}

const keyHints: Readonly<Record<Phase, ReadonlyArray<MessageKey>>> = {
  grading: ["returns.keyGrade", "returns.keySelect", "returns.keyNote", "returns.keyDecide"],
  deciding: ["returns.keyGrade", "returns.keySelect", "returns.keyNote", "returns.keyDecide"],
  decided: ["returns.keyDisposition", "returns.keySelect", "returns.keyFinish"]
}

/**
 * The returns desk, driven by the scanner and single keys: the parcel's scan opens the return, each item's scan adds
 * it, one key grades it, F9 lets the rules decide, F10 (or Enter once all is decided) finishes. The station decides;
 * this screen only shows what it decided and why.
 */
export const ReturnsScreen = ({
  operator,
  lastScan,
  onScan
}: {
  readonly operator: Operator | null | undefined
  readonly lastScan: ScanDisplay | undefined
  readonly onScan: (raw: string, source: "manual" | "camera") => void
}) => {
  const { t } = useStationContext()
  const bench = useBenchView("returns.state", "returns:", lastScan, REFRESH_ON)
  const current = bench.view?.current ?? null
  const items = current?.items ?? []
  const [chosen, setChosen] = useState<string>()
  const [picking, setPicking] = useState<string>()
  const [note, setNote] = useState("")
  const [caseNote, setCaseNote] = useState("")
  const [finishing, setFinishing] = useState<string>()
  const [cancelled, setCancelled] = useState<string>()
  // The note that a return was cancelled answers the clerk's click; the next scan starts something new.
  const scanId = lastScan?.id
  useEffect(() => {
    if (scanId !== undefined) setCancelled(undefined)
  }, [scanId])
  const target = items.find((item) => item.itemRef === chosen) ?? gradingTarget(items)
  const phase = current === null ? undefined : phaseOf(current)

  // A newly scanned item is the one the next grade key is for; an earlier explicit choice would hide it.
  const itemCount = items.length
  const returnId = current?.returnId
  const seen = useRef({ returnId, itemCount })
  useEffect(() => {
    if (seen.current.returnId === returnId && seen.current.itemCount >= itemCount) return
    if (seen.current.returnId !== returnId) setCaseNote("")
    seen.current = { returnId, itemCount }
    setChosen(undefined)
    setPicking(undefined)
  }, [returnId, itemCount])

  const notesFor = (extra: string) => {
    const parts = [extra.trim(), caseNote.trim()].filter((part) => part !== "")
    return parts.length === 0 ? {} : { notes: parts.join(" · ") }
  }

  const grade = (digit: number) => {
    const chosenGrade = gradeKeys[digit - 1]
    if (target === undefined || chosenGrade === undefined || target.decision !== null) return
    bench.run("returns.grade", { itemRef: target.itemRef, grade: chosenGrade, ...notesFor(note) })
    setNote("")
    setChosen(undefined)
  }

  const saveNote = () => {
    if (target?.grade == null || target.decision !== null) return
    bench.run("returns.grade", { itemRef: target.itemRef, grade: target.grade, ...notesFor(note) })
    setNote("")
  }

  const move = (step: number) => {
    if (target === undefined) return
    const next = items[items.indexOf(target) + step]
    if (next !== undefined) setChosen(next.itemRef)
  }

  const finish = () => {
    if (current === null) return
    setCancelled(undefined)
    setFinishing(current.returnId)
    bench.run("returns.finish", {})
  }

  const cancelReturn = (reason: string) => {
    if (current === null) return
    setFinishing(undefined)
    setCancelled(current.returnId)
    bench.run("returns.cancel", { reason })
  }

  useSingleKeys(
    {
      onDigit: (digit) => {
        if (picking !== undefined) {
          const disposition = dispositionKeys[digit - 1]
          if (disposition !== undefined) document.getElementById(`disposition-${disposition}`)?.click()
        } else if (current !== null) {
          grade(digit)
        }
      },
      onKey: (key) => {
        if (current === null) return false
        if (key === "Escape" && picking !== undefined) setPicking(undefined)
        else if (key === "ArrowUp") move(-1)
        else if (key === "ArrowDown") move(1)
        else if (key === "F7" && target !== undefined) setPicking(target.itemRef)
        else if (key === "F8") document.getElementById(NOTE_ID)?.focus()
        else if (key === "F9" && phase !== "decided" && items.length > 0) bench.run("returns.decide", {})
        else if (key === "F10" || (key === "Enter" && phase === "decided")) finish()
        else return false
        return true
      }
    },
    lastScan?.id
  )

  if (current === null || phase === undefined) {
    return (
      <ScanArea title={t("returns.title")} hint={t("returns.hint")} lastScan={lastScan} onScan={onScan}>
        {finishing !== undefined && bench.view !== undefined && (
          <p className="done-banner" data-testid="returns-finished">
            ✔ {t("returns.finished", { returnId: finishing })}
          </p>
        )}
        {cancelled !== undefined && bench.view !== undefined && bench.error === undefined && (
          <p className="done-banner" data-testid="returns-cancelled">
            {t("returns.cancelled", { returnId: cancelled })}
          </p>
        )}
        <RefusalBanner refusal={bench.refusal} reasonOnly={bench.refusalFromScan} />
        <BenchError error={bench.error} />
      </ScanArea>
    )
  }

  const [title, hint] = current.known ? prompts[phase] : (["returns.unknown", "returns.unknownHint"] as const)
  const pickingItem = items.find((item) => item.itemRef === picking)
  return (
    <div className="bench returns" data-phase={phase}>
      <div className="bench-main">
        <section className="prompt" data-testid="prompt">
          <h1>{t(title)}</h1>
          <p>{current.known ? t(hint) : `${t(hint)} ${t(prompts[phase][1])}`}</p>
        </section>
        <ScanOutcomePanel scan={lastScan} />
        <RefusalBanner refusal={bench.refusal} reasonOnly={bench.refusalFromScan} />
        <BenchError error={bench.error} />
        {pickingItem !== undefined && (
          <DispositionPicker
            item={pickingItem}
            onCancel={() => setPicking(undefined)}
            onSave={(disposition, reason) => {
              setPicking(undefined)
              bench.run("returns.setDisposition", {
                itemRef: pickingItem.itemRef,
                disposition,
                ...(reason.trim() === "" ? {} : { reason })
              })
            }}
          />
        )}
        <section className="card">
          <h2>{t("returns.items")}</h2>
          <ReturnItems
            returnId={current.returnId}
            cancellable={current.cancellable}
            items={items}
            selectedRef={target?.itemRef}
            onSelect={setChosen}
            isManager={operator?.role === "manager"}
            onSignOff={(call) => bench.run(call.name, call.input)}
          />
          {target !== undefined && target.decision === null && (
            <label className="note-field">
              {t("returns.note")}
              <input
                id={NOTE_ID}
                value={note}
                placeholder={t("returns.notePlaceholder")}
                onChange={(event) => setNote(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter") {
                    event.preventDefault()
                    saveNote()
                    event.currentTarget.blur()
                  } else if (event.key === "Escape") {
                    event.currentTarget.blur()
                  }
                }}
              />
            </label>
          )}
        </section>
        <div className="fallbacks">
          <ManualEntry onSubmit={(raw) => onScan(raw, "manual")} />
          <CameraScanner onScan={(raw) => onScan(raw, "camera")} />
        </div>
      </div>
      <aside className="bench-side">
        <ReturnCaseCard current={current} />
        <CancelReturnForm
          key={current.returnId}
          returnId={current.returnId}
          cancellable={current.cancellable}
          onCancelReturn={cancelReturn}
        />
        {!current.known && (
          <label className="card case-note">
            <strong>{t("returns.caseNote")}</strong>
            <textarea
              data-testid="return-case-note"
              rows={3}
              value={caseNote}
              onChange={(event) => setCaseNote(event.target.value)}
            />
            <span className="hint">{t("returns.caseNoteHint")}</span>
          </label>
        )}
        <ul className="key-hints">
          {keyHints[phase].map((key) => (
            <li key={key}>{t(key)}</li>
          ))}
        </ul>
      </aside>
    </div>
  )
}
