/** A card's read as the card shows it: its rows, its "none", "loading", or the line saying why the read failed. */
import type { ReactNode } from "react"
import { describeReadFailure, readShown } from "../station/readShown.ts"
import { useStationContext } from "../station/StationContext.ts"

/**
 * Why a card's read failed, in red, in the style of the bench's `BenchError`; `showingLast` when the rows below are
 * the last ones read.
 */
export const ReadFailure = ({ error, showingLast }: { readonly error: unknown; readonly showingLast: boolean }) => {
  const { t } = useStationContext()
  return (
    <p className="error-text" role="alert" data-testid="read-error">
      {describeReadFailure(t, error, showingLast)}
    </p>
  )
}

/**
 * Shows a `useApiQuery` result the one way every card should (`readShown`): `children` renders the rows, `none` is the
 * card's text for an empty answer, never shown while the read fails.
 */
export const CardRead = <T,>({
  query,
  isEmpty,
  none,
  children
}: {
  readonly query: { readonly data: T | undefined; readonly error: unknown }
  readonly isEmpty: (data: T) => boolean
  readonly none: ReactNode
  readonly children: (data: T) => ReactNode
}) => {
  const { t } = useStationContext()
  const shown = readShown(query, isEmpty)
  switch (shown.kind) {
    case "loading":
      return <p className="hint">{t("common.loading")}</p>
    case "none":
      return none
    case "data":
      return children(shown.data)
    case "failed":
      return (
        <>
          <ReadFailure error={shown.error} showingLast={shown.last !== undefined} />
          {shown.last !== undefined && children(shown.last)}
        </>
      )
  }
}
