/** The Pack screen's list of the order's lines and how many are scanned. */
import type { PackView } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { LineGlyph } from "./LineGlyph.tsx"

/** The order's lines as big rows: what to take from which bin, how many are scanned, and green once complete. */
export const PackLines = ({ lines }: { readonly lines: PackView["lines"] }) => {
  const { t, locale } = useStationContext()
  return (
    <ol className="lines" data-testid="pack-lines">
      {lines.map((line, index) => {
        const done = line.remaining === 0
        return (
          <li
            key={line.lineId}
            className={done ? "line line-done" : "line"}
            data-testid="pack-line"
            data-sku={line.sku}
            data-done={done}
          >
            <span className="line-number">{index + 1}</span>
            <LineGlyph icon={line.icon} />
            <div className="line-text">
              <div className="line-name">{line.name[locale]}</div>
              <div className="line-meta">
                <span className="line-bin">{t("pack.lineBin", { bin: line.binHint })}</span>
                <span className="mono">{line.sku}</span>
                {line.requiresSerial && <span className="badge badge-held">{t("pack.lineSerial")}</span>}
                {line.requiresLot && <span className="badge badge-held">{t("pack.lineLot")}</span>}
                {line.shortShipped > 0 && (
                  <span className="badge badge-held">{t("pack.lineShort", { count: line.shortShipped })}</span>
                )}
                {line.serials.length > 0 && <span className="mono">{line.serials.join(", ")}</span>}
              </div>
            </div>
            <div className="line-count" data-testid="line-count">
              {t("pack.lineCount", { verified: line.verified, quantity: line.quantity })}
            </div>
            <div className="line-remaining">
              {done ? `✔ ${t("pack.lineDone")}` : t("pack.lineRemaining", { remaining: line.remaining })}
            </div>
          </li>
        )
      })}
    </ol>
  )
}
