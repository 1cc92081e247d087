/** The manager's sign-off form for approving or overriding a refund. */
import { useState } from "react"
import type { ApiInput } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { type Outcome, outcomes, overrideStart, type ReturnItem } from "./returnsChoices.ts"

export type SignOffKind = "approve" | "override"

export type SignOffCall =
  | { readonly name: "returns.approve"; readonly input: ApiInput<"returns.approve"> }
  | { readonly name: "returns.override"; readonly input: ApiInput<"returns.override"> }

/** A manager's approval of a held refund or change of a decided one; the station wants a reason for either. */
export const SignOffForm = ({
  item,
  kind,
  onSubmit,
  onCancel
}: {
  readonly item: ReturnItem
  readonly kind: SignOffKind
  readonly onSubmit: (call: SignOffCall) => void
  readonly onCancel: () => void
}) => {
  const { t } = useStationContext()
  const [outcome, setOutcome] = useState<Outcome>(overrideStart(item.decision?.outcome))
  const [amount, setAmount] = useState("")
  const [reason, setReason] = useState("")
  const cents = amount.trim() === "" ? undefined : Math.round(Number(amount.replace(",", ".")) * 100)
  const submit = () => {
    if (kind === "approve") {
      onSubmit({ name: "returns.approve", input: { itemRef: item.itemRef, reason } })
      return
    }
    onSubmit({
      name: "returns.override",
      input: {
        itemRef: item.itemRef,
        outcome,
        reason,
        ...(cents === undefined || !Number.isFinite(cents) ? {} : { amountCents: Math.max(0, cents) })
      }
    })
  }
  return (
    <form
      className="sign-off"
      data-testid="sign-off"
      onSubmit={(event) => {
        event.preventDefault()
        submit()
      }}
    >
      {kind === "override" && (
        <>
          <label>
            {t("returns.overrideOutcome")}
            <select value={outcome} onChange={(event) => setOutcome(event.target.value as Outcome)}>
              {outcomes.map((option) => (
                <option key={option} value={option}>
                  {t(`outcome.${option}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("returns.overrideAmount")}
            <input inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} />
          </label>
        </>
      )}
      <label>
        {t("returns.signOffReason")}
        {/* biome-ignore lint/a11y/noAutofocus: the form opens on purpose to take the reason next */}
        <input autoFocus value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      <div className="button-row">
        <button type="submit" disabled={reason.trim() === ""}>
          {t("returns.confirm")}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          {t("returns.cancel")}
        </button>
      </div>
    </form>
  )
}
