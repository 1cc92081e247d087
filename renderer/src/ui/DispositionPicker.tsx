/** The Returns screen's picker for where a returned unit goes instead of the rules' suggestion. */
import { useRef, useState } from "react"
import { useStationContext } from "../station/StationContext.ts"
import { type Disposition, dispositionKeys, type ReturnItem } from "./returnsChoices.ts"

/** Where one returned unit goes instead of the rules' suggestion: a key picks it, the reason is typed. */
export const DispositionPicker = ({
  item,
  onSave,
  onCancel
}: {
  readonly item: ReturnItem
  readonly onSave: (disposition: Disposition, reason: string) => void
  readonly onCancel: () => void
}) => {
  const { t, locale } = useStationContext()
  const [choice, setChoice] = useState<Disposition>(item.disposition ?? item.suggestedDisposition ?? "restock")
  const [reason, setReason] = useState("")
  const reasonField = useRef<HTMLInputElement>(null)
  return (
    <form
      className="mode-banner disposition-picker"
      data-testid="disposition-picker"
      onSubmit={(event) => {
        event.preventDefault()
        onSave(choice, reason)
      }}
    >
      <div>{t("returns.dispositionPick", { item: item.name?.[locale] ?? item.sku ?? item.itemRef })}</div>
      <ol className="choices choices-compact">
        {dispositionKeys.map((disposition, index) => (
          <li key={disposition}>
            <button
              id={`disposition-${disposition}`}
              type="button"
              className={disposition === choice ? "" : "button-secondary"}
              aria-pressed={disposition === choice}
              onClick={() => {
                setChoice(disposition)
                reasonField.current?.focus()
              }}
            >
              <kbd>{index + 1}</kbd> {t(`disposition.${disposition}`)}
            </button>
          </li>
        ))}
      </ol>
      <label className="note-field">
        {t("returns.dispositionReason")}
        <input
          ref={reasonField}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          onKeyDown={(event) => event.key === "Escape" && onCancel()}
        />
      </label>
      <div className="button-row">
        <button type="submit">{t("returns.save")}</button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          {t("returns.cancel")}
        </button>
      </div>
    </form>
  )
}
