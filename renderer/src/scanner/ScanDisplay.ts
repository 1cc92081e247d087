/** How the UI shows the last scan: waiting, answered or failed. */
import type { ScanOutcome } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "../i18n/de.ts"
import { describeRefusal, describeRefusalReason, parseRefusal } from "../i18n/describeRefusal.ts"
import { describeError, type Translate } from "../i18n/Translator.ts"
import { carrierName } from "../ui/carriers.ts"

/** The last scan as the bench shows it: sent and waiting, answered by the station, or failed as a call. */
export type ScanDisplay =
  | { readonly state: "pending"; readonly id: number; readonly raw: string }
  | { readonly state: "done"; readonly id: number; readonly outcome: ScanOutcome }
  | { readonly state: "failed"; readonly id: number; readonly raw: string; readonly error: unknown }

export interface ScanView {
  readonly tone: "ok" | "bad" | "pending"
  readonly headline: string
  readonly detail: string
  readonly raw: string
}

const field = (identification: Readonly<Record<string, unknown>>, name: string): string | undefined => {
  const value = identification[name]
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined
}

/**
 * What is wrong with an invalid code: in the bench's words where the identification's facts allow it (a GTIN is invalid
 * only by its check digit), else the identifier's English reason.
 */
const codeFault = (t: Translate, identification: Readonly<Record<string, unknown>>): string | undefined => {
  const gtin = field(identification, "gtin")
  return identification.kind === "gtin" && gtin !== undefined
    ? t("refusal.scan-unreadable.checkDigit", { gtin })
    : field(identification, "reason")
}

const kindLabel = (t: Translate, kind: string) => {
  const key = `kind.${kind}`
  return key in kindKeys ? t(key as MessageKey) : kind
}
const kindKeys: Readonly<Record<string, true>> = Object.fromEntries(
  ["gtin", "gs1", "digital-link", "sscc", "tracking", "packbench", "sku", "unknown"].map((kind) => [
    `kind.${kind}`,
    true
  ])
)

const acceptedKeys = {
  box: "scan.acceptedBox",
  order: "scan.acceptedOrder",
  return: "scan.acceptedReturn"
} as const satisfies Readonly<Record<string, MessageKey>>

const roleKeys: Readonly<Record<string, MessageKey>> = {
  packer: "role.packer",
  "returns-clerk": "role.returns-clerk",
  manager: "role.manager"
}

/** The station's sign-in message is "Name (role)"; the role is translated for the bench. */
const operatorText = (t: Translate, message: string) => {
  const match = /^(.*) \(([a-z-]+)\)$/.exec(message)
  const roleKey = match?.[2] === undefined ? undefined : roleKeys[match[2]]
  return match?.[1] === undefined || roleKey === undefined ? message : `${match[1]} (${t(roleKey)})`
}

const optionalCarrierName = (t: Translate, carrier: string | undefined) =>
  carrier === undefined ? undefined : carrierName(t, carrier)

/** The one field that tells the packer which code of its kind this was. */
const specificOf = (
  t: Translate,
  identification: Readonly<Record<string, unknown>>,
  kind: string
): string | undefined =>
  kind === "gtin"
    ? field(identification, "gtin")
    : kind === "sku"
      ? field(identification, "sku")
      : kind === "tracking"
        ? optionalCarrierName(t, field(identification, "carrier"))
        : kind === "packbench"
          ? [field(identification, "type"), field(identification, "id")].filter(Boolean).join(" ")
          : undefined

/**
 * Turns a scan into what the bench shows. A code the station recognised but found invalid (a GTIN with a wrong
 * check digit) is a rejection for the packer even though the station's action says "identified": it must not go
 * into a parcel. A scan the bench or the handover refused (the wrong item, a duplicate parcel) is red with the
 * translated refusal, and still says what was scanned.
 */
export const describeScan = (t: Translate, display: ScanDisplay): ScanView => {
  if (display.state === "pending") {
    return { tone: "pending", headline: t("scan.sending"), detail: "", raw: display.raw }
  }
  if (display.state === "failed") {
    return { tone: "bad", headline: t("scan.failed"), detail: describeError(t, display.error), raw: display.raw }
  }
  const { outcome } = display
  const identification = outcome.identification
  const kind = field(identification, "kind") ?? "unknown"
  if (outcome.action === "pin-required") {
    return {
      tone: "ok",
      headline: t("scan.pinRequired", { name: operatorText(t, outcome.message) }),
      detail: "",
      raw: outcome.raw
    }
  }
  if (outcome.action === "signed-in") {
    return {
      tone: "ok",
      headline: t("scan.signedIn", { name: operatorText(t, outcome.message) }),
      detail: "",
      raw: outcome.raw
    }
  }
  if (outcome.action === "refused") {
    const refusal = outcome.refusal ?? parseRefusal(outcome.message) ?? { code: "", reason: outcome.message }
    const reason = describeRefusalReason(t, refusal)
    return {
      tone: "bad",
      headline: t("scan.refused", { reason: describeRefusal(t, refusal) }),
      detail:
        // A scan-unreadable refusal says what is wrong with the code in the bench's words; the identifier's own
        // reason is English and names the code's fault only where the refusal is about something else.
        kind === "unknown" || refusal.code === "scan-unreadable"
          ? reason
          : identification.valid === false
            ? (codeFault(t, identification) ?? reason)
            : [kindLabel(t, kind), specificOf(t, identification, kind)].filter(Boolean).join(" "),
      raw: outcome.raw
    }
  }
  if (outcome.accepted !== undefined) {
    return {
      tone: "ok",
      headline: t(acceptedKeys[outcome.accepted.as], { id: outcome.accepted.id }),
      detail: "",
      raw: outcome.raw
    }
  }
  if (outcome.action === "rejected" || identification.valid === false) {
    return {
      tone: "bad",
      headline: kind === "unknown" ? t("scan.rejected") : t("scan.invalid", { kind: kindLabel(t, kind) }),
      detail: codeFault(t, identification) ?? outcome.message,
      raw: outcome.raw
    }
  }
  const specific = specificOf(t, identification, kind)
  return {
    tone: "ok",
    headline: t("scan.identified", { kind: kindLabel(t, kind) }),
    detail: specific ?? "",
    raw: outcome.raw
  }
}
