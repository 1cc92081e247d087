/** Typing a code by hand when a barcode will not scan. */
import { type FormEvent, useState } from "react"
import { useStationContext } from "../station/StationContext.ts"

export const MANUAL_ENTRY_ID = "manual-code"

/** For the barcode that will not scan: typed at human speed, so the wedge listener leaves it to this form. */
export const ManualEntry = ({ onSubmit }: { readonly onSubmit: (raw: string) => void }) => {
  const { t } = useStationContext()
  const [code, setCode] = useState("")
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const raw = code.trim()
    if (raw === "") return
    onSubmit(raw)
    setCode("")
  }
  return (
    <form className="manual" onSubmit={submit}>
      <label htmlFor={MANUAL_ENTRY_ID}>{t("scan.manualLabel")}</label>
      <div className="manual-row">
        <input
          id={MANUAL_ENTRY_ID}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={code}
          onChange={(event) => setCode(event.target.value)}
        />
        <button type="submit">{t("scan.manualSubmit")}</button>
      </div>
      <p className="hint">{t("scan.manualHint")}</p>
    </form>
  )
}
