/** The returned items with their grades, dispositions and refund decisions. */
import { Fragment, useState } from "react"
import { describeDecision } from "../i18n/describeDecision.ts"
import { describeSameUnit, sameUnitTone } from "../i18n/describeSameUnit.ts"
import { keepUnitsTogether } from "../i18n/keepUnitsTogether.ts"
import { useStationContext } from "../station/StationContext.ts"
import type { ReturnItem } from "./returnsChoices.ts"
import { type SignOffCall, SignOffForm, type SignOffKind } from "./SignOffForm.tsx"

export interface ReturnItemsProps {
  /** The return on screen, so a serial scanned into it twice is told apart from one in another return. */
  readonly returnId: string
  /** Whether the return can still be cancelled: the advice for a unit not to be refunded here follows from it. */
  readonly cancellable: boolean
  readonly items: ReadonlyArray<ReturnItem>
  readonly selectedRef: string | undefined
  readonly onSelect: (itemRef: string) => void
  readonly isManager: boolean
  readonly onSignOff: (call: SignOffCall) => void
}

/** The returned units as graded and decided, each decision with the rule behind it, in the station's language. */
export const ReturnItems = ({
  returnId,
  cancellable,
  items,
  selectedRef,
  onSelect,
  isManager,
  onSignOff
}: ReturnItemsProps) => {
  const { t, locale } = useStationContext()
  const [signOff, setSignOff] = useState<{ readonly itemRef: string; readonly kind: SignOffKind }>()
  const anyDecided = items.some((item) => item.decision?.status != null)
  const decidedNoRefund = new Set(
    items.flatMap((item) => (item.decision?.outcome === "no-refund" ? [item.itemRef] : []))
  )

  if (items.length === 0) return <p className="hint">{t("returns.noItems")}</p>
  return (
    <>
      <div className="table-scroll">
        <table className="table return-items" data-testid="return-items">
          <thead>
            <tr>
              <th>{t("returns.item")}</th>
              <th>{t("returns.condition")}</th>
              <th>{t("returns.disposition")}</th>
              <th>{t("returns.decision")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const decision = item.decision
              const told = decision === null ? null : describeDecision(t, locale, decision)
              const selected = item.itemRef === selectedRef
              const open = signOff?.itemRef === item.itemRef ? signOff : undefined
              const canSignOff = decision?.status != null && decision.status !== "issued"
              return (
                <Fragment key={item.itemRef}>
                  <tr
                    data-testid="return-item"
                    data-item-ref={item.itemRef}
                    data-sku={item.sku ?? ""}
                    data-grade={item.grade ?? ""}
                    data-outcome={decision?.outcome ?? ""}
                    data-selected={selected}
                    className={selected ? "row-selected" : undefined}
                    onClick={() => onSelect(item.itemRef)}
                  >
                    <td>
                      <div className="item-name">
                        {item.name?.[locale] ??
                          item.sku ??
                          (item.beyondBounds === undefined
                            ? t("returns.unknownItem")
                            : t("returns.itemBeyondBounds", { sku: item.beyondBounds.sku }))}
                      </div>
                      <div className="mono muted">
                        {item.sku ?? item.gtin}
                        {item.serial !== null && ` · ${t("returns.serial", { serial: item.serial })}`}
                        {item.lot !== null && ` · ${t("returns.lot", { lot: item.lot })}`}
                      </div>
                      {item.flags.map((flag) =>
                        flag === "unknown-item" && item.beyondBounds !== undefined ? (
                          <div key={flag} className="flag" data-testid="return-flag" data-flag="item-beyond-bounds">
                            ⚠{" "}
                            {t("flag.item-beyond-bounds", {
                              sku: item.beyondBounds.sku,
                              fields: item.beyondBounds.fields.join(", ")
                            })}
                          </div>
                        ) : (
                          <div key={flag} className="flag" data-testid="return-flag" data-flag={flag}>
                            ⚠ {t(`flag.${flag}`)}
                          </div>
                        )
                      )}
                    </td>
                    <td data-testid="return-grade">
                      {item.grade === null ? (
                        <span className="grade-missing">{t("returns.ungraded")}</span>
                      ) : (
                        <strong>{t(`grade.${item.grade}`)}</strong>
                      )}
                      {item.notes !== null && item.notes !== "" && (
                        <div className="muted item-note">„{item.notes}“</div>
                      )}
                    </td>
                    <td>
                      {item.disposition === null ? t("common.none") : t(`disposition.${item.disposition}`)}
                      {item.suggestedDisposition !== null && item.suggestedDisposition !== item.disposition && (
                        <div className="muted">
                          {t("returns.suggested", { disposition: t(`disposition.${item.suggestedDisposition}`) })}
                        </div>
                      )}
                    </td>
                    <td>
                      {decision === null || told === null ? (
                        t("common.none")
                      ) : (
                        <div
                          className={`decision decision-${told.tone}`}
                          data-testid="return-decision"
                          data-rule={decision.ruleId ?? ""}
                        >
                          <div className="decision-head">
                            <strong>{told.outcome}</strong>
                            {told.amount !== null && <span className="decision-amount">{told.amount}</span>}
                          </div>
                          <div className="decision-rule">
                            <span className="mono">
                              {decision.ruleId === null
                                ? t("returns.noRule")
                                : t("returns.rule", { ruleId: decision.ruleId })}
                            </span>
                            {told.status !== null && <span className="badge">{told.status}</span>}
                          </div>
                          <div className="decision-reason">{told.reason}</div>
                          {decision.rejection !== undefined && (
                            <div
                              className="decision-reason decision-rejected"
                              role="alert"
                              data-testid="refund-rejection"
                              data-other-return={decision.rejection.otherReturnId}
                            >
                              {keepUnitsTogether(decision.rejection.reason[locale])}
                            </div>
                          )}
                          {canSignOff && (
                            <div className="button-row sign-off-buttons">
                              {told.approvable && (
                                <button
                                  type="button"
                                  className="button-compact"
                                  disabled={!isManager}
                                  title={isManager ? undefined : t("returns.managerOnly")}
                                  onClick={() => setSignOff({ itemRef: item.itemRef, kind: "approve" })}
                                >
                                  {t("returns.approve")}
                                </button>
                              )}
                              <button
                                type="button"
                                className="button-compact button-secondary"
                                disabled={!isManager}
                                title={isManager ? undefined : t("returns.managerOnly")}
                                onClick={() => setSignOff({ itemRef: item.itemRef, kind: "override" })}
                              >
                                {t("returns.override")}
                              </button>
                            </div>
                          )}
                        </div>
                      )}
                    </td>
                  </tr>
                  {item.sameUnitIn !== undefined && (
                    <tr className={selected ? "row-selected same-unit-row" : "same-unit-row"}>
                      <td colSpan={4}>
                        {item.sameUnitIn.map((other) => {
                          const told = describeSameUnit(t, item, other, { returnId, cancellable, decidedNoRefund })
                          const tone = sameUnitTone(item)
                          return (
                            <div
                              key={other.itemRef}
                              className={tone === "alert" ? "flag same-unit" : "same-unit same-unit-settled"}
                              role={tone === "alert" ? "alert" : undefined}
                              data-testid="same-unit"
                              data-tone={tone}
                              data-item={item.itemRef}
                              data-other-return={other.returnId}
                              data-other-item={other.itemRef}
                            >
                              {tone === "alert" ? `⚠ ${told}` : told}
                            </div>
                          )
                        })}
                      </td>
                    </tr>
                  )}
                  {open !== undefined && (
                    <tr>
                      <td colSpan={4}>
                        <SignOffForm
                          item={item}
                          kind={open.kind}
                          onCancel={() => setSignOff(undefined)}
                          onSubmit={(call) => {
                            setSignOff(undefined)
                            onSignOff(call)
                          }}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              )
            })}
          </tbody>
        </table>
      </div>
      {anyDecided && !isManager && (
        <p className="hint" data-testid="manager-only">
          {t("returns.managerOnly")}
        </p>
      )}
    </>
  )
}
