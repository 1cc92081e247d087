/** The dialog asking a manager for their PIN after their badge was scanned. */
import { type FormEvent, useEffect, useRef, useState } from "react"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"

/** The manager whose badge was scanned: the badge as scanned, and the name the station knows it by. */
export interface PinHolder {
  readonly badge: string
  readonly name: string
}

type Answer =
  | { readonly kind: "none" }
  | { readonly kind: "sending" }
  | { readonly kind: "wrong"; readonly attemptsLeft: number }
  | { readonly kind: "locked"; readonly seconds: number }
  | { readonly kind: "failed"; readonly text: string }

/**
 * Asks the manager whose badge was just scanned for the PIN (a modal dialog; Escape cancels). The PIN field is a
 * password field, which the scanner's key listener leaves alone, so a PIN is never taken for a scan. Nobody is
 * signed in until the station accepts the PIN.
 */
export const PinPrompt = ({
  holder,
  onSignedIn,
  onClose
}: {
  readonly holder: PinHolder
  readonly onSignedIn: () => void
  readonly onClose: () => void
}) => {
  const { t, client } = useStationContext()
  const dialog = useRef<HTMLDialogElement>(null)
  const field = useRef<HTMLInputElement>(null)
  const [pin, setPin] = useState("")
  const [answer, setAnswer] = useState<Answer>({ kind: "none" })

  useEffect(() => {
    const element = dialog.current
    if (element !== null && !element.open) element.showModal()
    field.current?.focus()
  }, [])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!/^\d{4,12}$/.test(pin) || answer.kind === "sending") return
    setAnswer({ kind: "sending" })
    client.call("session.enterPin", { badge: holder.badge, pin }).then(
      (outcome) => {
        setPin("")
        if (outcome.result === "signed-in") onSignedIn()
        else if (outcome.result === "wrong-pin") setAnswer({ kind: "wrong", attemptsLeft: outcome.attemptsLeft })
        else setAnswer({ kind: "locked", seconds: Math.ceil(outcome.retryAfterMs / 1000) })
        field.current?.focus()
      },
      (error: unknown) => setAnswer({ kind: "failed", text: describeError(t, error) })
    )
  }

  return (
    <dialog
      ref={dialog}
      className="pin-dialog"
      aria-labelledby="pin-title"
      data-testid="pin-prompt"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <form onSubmit={submit}>
        <h2 id="pin-title">{t("pin.title")}</h2>
        <p className="pin-holder" data-testid="pin-holder">
          {t("pin.holder", { name: holder.name })}
        </p>
        <label htmlFor="pin-input">{t("pin.label")}</label>
        <input
          ref={field}
          id="pin-input"
          className="pin-input"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          value={pin}
          onChange={(event) => setPin(event.target.value.replace(/\D/g, ""))}
        />
        <p className="hint">{t("pin.hint")}</p>
        {answer.kind === "wrong" && (
          <p className="error-text" role="alert" data-testid="pin-answer">
            {t("pin.wrong", { count: answer.attemptsLeft })}
          </p>
        )}
        {answer.kind === "locked" && (
          <p className="error-text" role="alert" data-testid="pin-answer">
            {t("pin.locked", { seconds: answer.seconds })}
          </p>
        )}
        {answer.kind === "failed" && (
          <p className="error-text" role="alert" data-testid="pin-answer">
            {answer.text}
          </p>
        )}
        <div className="button-row">
          <button type="submit" disabled={answer.kind === "sending" || !/^\d{4,12}$/.test(pin)}>
            {t("pin.submit")}
          </button>
          <button type="button" className="button-secondary" onClick={onClose}>
            {t("pin.cancel")}
          </button>
        </div>
      </form>
    </dialog>
  )
}
