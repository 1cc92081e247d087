/** A manager's action on one listed item that needs a note, as a small form on the Manager screen's cards. */
import { type ReactNode, useState } from "react"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"

/**
 * The note (a void's reason, the carrier portal's reference) is required: the station refuses the action without one
 * and records it. Enter sends, Escape leaves the form. What the station answers, a refusal included, is shown in
 * words, never dropped. Test ids: `<testId>-form`, `-<field>`, `-error`, `-confirm`.
 */
export const ManagerNoteForm = ({
  testId,
  field,
  title,
  options,
  label,
  hint,
  confirm,
  send,
  onDone,
  onLeave
}: {
  readonly testId: string
  readonly field: string
  readonly title: ReactNode
  /** A choice that goes with the note (what the carrier's portal showed), between the title and the note. */
  readonly options?: ReactNode
  readonly label: string
  readonly hint: string
  readonly confirm: string
  readonly send: (note: string) => Promise<unknown>
  readonly onDone: () => void
  readonly onLeave: () => void
}) => {
  const { t } = useStationContext()
  const [note, setNote] = useState("")
  const [sending, setSending] = useState(false)
  const [problem, setProblem] = useState<string>()
  return (
    <form
      className="mode-banner held-void"
      data-testid={`${testId}-form`}
      onSubmit={(event) => {
        event.preventDefault()
        if (note.trim() === "" || sending) return
        setSending(true)
        setProblem(undefined)
        send(note.trim()).then(onDone, (error: unknown) => {
          setSending(false)
          setProblem(describeError(t, error))
        })
      }}
    >
      <div>{title}</div>
      {options}
      <label className="note-field">
        {label}
        <input
          className="held-void-reason"
          data-testid={`${testId}-${field}`}
          value={note}
          maxLength={500}
          // biome-ignore lint/a11y/noAutofocus: the manager opened the form to type the note next
          autoFocus
          onChange={(event) => setNote(event.target.value)}
          onKeyDown={(event) => event.key === "Escape" && onLeave()}
        />
      </label>
      <p className="hint">{hint}</p>
      {problem !== undefined && (
        <p className="error-text" role="alert" data-testid={`${testId}-error`}>
          {problem}
        </p>
      )}
      <div className="button-row">
        <button type="submit" data-testid={`${testId}-confirm`} disabled={note.trim() === "" || sending}>
          {confirm}
        </button>
        <button type="button" className="button-secondary" onClick={onLeave}>
          {t("held.voidCancel")}
        </button>
      </div>
    </form>
  )
}
