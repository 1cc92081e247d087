/** The line that says why the bench's last command failed, as opposed to refused (`RefusalBanner`). */
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"

/**
 * Why the station did not do what the bench asked (nobody signed in, a role that may not, a database that is not
 * reachable, a lost transport), in red: a key that did nothing must say why. `error` is a bench view's `error`.
 */
export const BenchError = ({ error }: { readonly error: unknown }) => {
  const { t } = useStationContext()
  if (error === undefined) return null
  return (
    <p className="error-text" role="alert" data-testid="bench-error">
      {describeError(t, error)}
    </p>
  )
}
