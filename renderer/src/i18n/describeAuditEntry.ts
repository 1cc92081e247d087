/** Words an audit entry in the bench's language for the Manager screen. */
import type { AuditEntry } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

const actionKeys: Readonly<Record<string, MessageKey>> = {
  "session.enterPin": "audit.action.session.enterPin",
  "pack.void": "audit.action.pack.void",
  "pack.closeCancellationByHand": "audit.action.pack.closeCancellationByHand",
  "pack.reopenCancellationByHand": "audit.action.pack.reopenCancellationByHand",
  "returns.override": "audit.action.returns.override",
  "returns.approve": "audit.action.returns.approve",
  "rules.replace": "audit.action.rules.replace",
  "shops.decidePush": "audit.action.shops.decidePush",
  "shops.retryHandedOver": "audit.action.shops.retryHandedOver"
}

/**
 * An audit entry as the Manager screen shows it: the action named in the bench's language (an action this UI does
 * not know yet keeps its API name), and a PIN attempt's outcome worded; other details are what was asked (the
 * call's input) and stay as recorded.
 */
export const describeAuditEntry = (
  t: Translate,
  entry: AuditEntry
): { readonly action: string; readonly detail: string } => {
  const actionKey = actionKeys[entry.action]
  const action = actionKey === undefined ? entry.action : t(actionKey)
  if (entry.action !== "session.enterPin") return { action, detail: entry.detail }
  const wrong = /^wrong PIN, (\d+) tries left$/.exec(entry.detail)
  const locked = /^badge locked for (\d+) s$/.exec(entry.detail)
  const detail =
    entry.detail === "signed in as manager"
      ? t("audit.pin.signedIn")
      : wrong !== null
        ? t("pin.wrong", { count: Number(wrong[1]) })
        : locked !== null
          ? t("pin.locked", { seconds: Number(locked[1]) })
          : entry.detail
  return { action, detail }
}
