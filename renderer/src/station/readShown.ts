/** What a card shows for its query's {data, error}: its rows, its "none", "loading", or why the read failed. */
import { describeError, type Translate } from "../i18n/Translator.ts"

export type ReadShown<T> =
  | { readonly kind: "loading" }
  | { readonly kind: "none" }
  | { readonly kind: "data"; readonly data: T }
  /** `last` is the last good answer, kept under a failed reload when it had rows to show. */
  | { readonly kind: "failed"; readonly error: unknown; readonly last: T | undefined }

/**
 * A failed read is never shown as "none" (a manager would believe there is nothing to see) nor as "loading". The rows
 * of the last good read stay under the failure, marked as such: the query keeps them, and they are still the best a
 * manager has; a last read that was empty shows no "none" while the read fails.
 */
export const readShown = <T>(
  query: { readonly data: T | undefined; readonly error: unknown },
  isEmpty: (data: T) => boolean
): ReadShown<T> => {
  if (query.error !== undefined) {
    const last = query.data === undefined || isEmpty(query.data) ? undefined : query.data
    return { kind: "failed", error: query.error, last }
  }
  if (query.data === undefined) return { kind: "loading" }
  return isEmpty(query.data) ? { kind: "none" } : { kind: "data", data: query.data }
}

/** The translated reason a read failed, saying so when the rows shown below it are the last ones read. */
export const describeReadFailure = (t: Translate, error: unknown, showingLast: boolean): string => {
  const reason = describeError(t, error)
  return showingLast ? t("read.failedShowingLast", { reason }) : reason
}
