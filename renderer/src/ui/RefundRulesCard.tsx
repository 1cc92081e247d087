/** The refund rules panel: the active set, a preview of a new one and its replacement. */
import { useEffect, useState } from "react"
import type { ApiOutput } from "../../../core/api/StationApi.ts"
import { ApiCallError } from "../api/ApiCallError.ts"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"

type RuleSet = ApiOutput<"rules.replace">
type Preview = ApiOutput<"rules.preview">

type Problem =
  | { readonly kind: "json"; readonly message: string }
  | { readonly kind: "rules"; readonly message: string; readonly details: ReadonlyArray<string> }
  | { readonly kind: "other"; readonly message: string }

/**
 * The refund rules a manager maintains: the active set, a JSON editor, a preview against recently decided returns
 * and "apply". A malformed set is refused by the station with every rule and field named, and the active set stays.
 */
export const RefundRulesCard = ({ isManager }: { readonly isManager: boolean }) => {
  const { t, client, locale } = useStationContext()
  const [text, setText] = useState("")
  const [active, setActive] = useState<RuleSet>()
  /** The read of the rules in force failed: what is active is unknown, and the card claims nothing about it. */
  const [activeUnread, setActiveUnread] = useState(false)
  // The shop can install rules too (inbound), so the card asks the station what is in force rather than remembering.
  useEffect(() => {
    client.call("rules.active", {}).then(
      (rules) => {
        setActiveUnread(false)
        setActive(rules)
      },
      (error: unknown) => {
        setActiveUnread(true)
        setProblem({ kind: "other", message: describeError(t, error) })
      }
    )
  }, [client, t])
  const [preview, setPreview] = useState<Preview>()
  const [problem, setProblem] = useState<Problem>()
  const [applied, setApplied] = useState(false)

  const parsed = (): unknown => {
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      setProblem({ kind: "json", message: t("rules.notJson", { message: (error as Error).message }) })
      return undefined
    }
  }

  const fail = (error: unknown) =>
    setProblem(
      error instanceof ApiCallError && error.code === "rules-invalid"
        ? { kind: "rules", message: error.message, details: error.details.map((d) => `${d.path}: ${d.message}`) }
        : { kind: "other", message: describeError(t, error) }
    )

  const runPreview = () => {
    setProblem(undefined)
    setApplied(false)
    const rules = parsed()
    if (rules === undefined) return
    client.call("rules.preview", { rules }).then(setPreview, (error: unknown) => {
      setPreview(undefined)
      fail(error)
    })
  }

  const apply = () => {
    setProblem(undefined)
    setApplied(false)
    const rules = parsed()
    if (rules === undefined) return
    client.call("rules.replace", { rules }).then((next) => {
      setActive(next)
      setApplied(true)
    }, fail)
  }

  const previewOf = (ruleId: string) => preview?.rules.find((rule) => rule.ruleId === ruleId)

  return (
    <section className="card rules-card" data-testid="rules-card">
      <h2>{t("rules.title")}</h2>
      <div className="rules-layout">
        <div>
          <h3>
            {t("rules.active")}
            {active !== undefined && problem?.kind === "rules" && (
              <span className="badge badge-ok" data-testid="rules-still-active">
                {t("rules.stillActive")}
              </span>
            )}
          </h3>
          {active === undefined ? (
            !activeUnread && (
              <p className="hint" data-testid="rules-active-unknown">
                {t("rules.activeUnknown")}
              </p>
            )
          ) : (
            <>
              <p className="hint">{t("rules.windowDays", { days: active.returnWindowDays })}</p>
              <table className="table table-compact" data-testid="rules-active">
                <thead>
                  <tr>
                    <th>{t("rules.id")}</th>
                    <th>{t("rules.description")}</th>
                    <th>{t("rules.outcome")}</th>
                  </tr>
                </thead>
                <tbody>
                  {active.rules.map((rule) => (
                    <tr key={rule.id} data-testid="rules-active-row" data-rule={rule.id}>
                      <td className="mono">{rule.id}</td>
                      <td>{rule.description[locale]}</td>
                      <td>{t(`outcome.${rule.outcome.kind}`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
        <div>
          <label className="rules-editor">
            <strong>{t("rules.editor")}</strong>
            <textarea
              data-testid="rules-editor"
              rows={10}
              spellCheck={false}
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
          </label>
          <div className="button-row">
            <button type="button" className="button-secondary" onClick={runPreview} data-testid="rules-preview-button">
              {t("rules.preview")}
            </button>
            <button
              type="button"
              onClick={apply}
              disabled={!isManager}
              title={isManager ? undefined : t("rules.managerOnly")}
              data-testid="rules-apply-button"
            >
              {t("rules.apply")}
            </button>
          </div>
          {!isManager && <p className="hint">{t("rules.managerOnly")}</p>}
          {problem !== undefined && (
            <div className="refusal" role="alert" data-testid="rules-error">
              <div className="refusal-headline">{problem.kind === "rules" ? t("rules.invalid") : problem.message}</div>
              {problem.kind === "rules" && (
                <ul className="rules-problems">
                  {(problem.details.length > 0 ? problem.details : problem.message.split("\n")).map((line) => (
                    <li key={line} className="mono">
                      {line}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {applied && active !== undefined && (
            <p className="done-banner" data-testid="rules-applied">
              ✔ {t("rules.applied", { count: active.rules.length })}
            </p>
          )}
          {preview !== undefined && problem === undefined && (
            <div data-testid="rules-preview">
              <h3>{t("rules.previewTitle", { evaluated: preview.evaluated })}</h3>
              <table className="table table-compact">
                <tbody>
                  {preview.rules.map((rule) => (
                    <tr key={rule.ruleId}>
                      <td className="mono">{rule.ruleId}</td>
                      <td>{t("rules.previewMatched", { count: previewOf(rule.ruleId)?.matched.length ?? 0 })}</td>
                      <td className="mono muted">
                        {rule.matched.map((match) => (
                          <div key={match.itemRef}>
                            {match.itemRef}
                            {match.decidedBy !== rule.ruleId &&
                              ` (${t("rules.previewWas", { ruleId: match.decidedBy ?? t("returns.noRule") })})`}
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </section>
  )
}
