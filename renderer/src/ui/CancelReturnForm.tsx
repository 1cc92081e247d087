/** The Returns screen's form for cancelling a return opened by mistake. */
import { useState } from "react"
import { useStationContext } from "../station/StationContext.ts"

/**
 * Cancelling a return opened by mistake: the clerk says why, the station records a correction event. Folded away
 * behind one button, since it is the exception on a busy desk.
 */
export const CancelReturnForm = ({
  returnId,
  cancellable,
  onCancelReturn
}: {
  readonly returnId: string
  /** False once a refund is decided in the return: the button stays, disabled, saying why. */
  readonly cancellable: boolean
  readonly onCancelReturn: (reason: string) => void
}) => {
  const { t } = useStationContext()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState("")
  if (!open) {
    return (
      <button
        type="button"
        className="button-secondary"
        data-testid="cancel-return"
        disabled={!cancellable}
        title={cancellable ? undefined : t("returns.cancelReturnDecided", { returnId })}
        onClick={() => {
          setReason("")
          setOpen(true)
        }}
      >
        {t("returns.cancelReturn")}
      </button>
    )
  }
  return (
    <form
      className="mode-banner cancel-return"
      data-testid="cancel-return-form"
      onSubmit={(event) => {
        event.preventDefault()
        if (reason.trim() === "") return
        setOpen(false)
        onCancelReturn(reason.trim())
      }}
    >
      <div>{t("returns.cancelReturnTitle", { returnId })}</div>
      <label className="note-field">
        {t("returns.cancelReturnReason")}
        <input
          data-testid="cancel-return-reason"
          value={reason}
          maxLength={500}
          // biome-ignore lint/a11y/noAutofocus: the clerk opened the form to type the reason next
          autoFocus
          onChange={(event) => setReason(event.target.value)}
          onKeyDown={(event) => event.key === "Escape" && setOpen(false)}
        />
      </label>
      <div className="button-row">
        <button type="submit" data-testid="cancel-return-confirm" disabled={reason.trim() === ""}>
          {t("returns.cancelReturnConfirm")}
        </button>
        <button type="button" className="button-secondary" onClick={() => setOpen(false)}>
          {t("returns.cancel")}
        </button>
      </div>
    </form>
  )
}
