/** The screen tabs and the function keys that switch them. */
import type { MessageKey } from "../i18n/de.ts"
import { useStationContext } from "../station/StationContext.ts"

export const screens = ["pack", "returns", "manager", "handover"] as const
export type Screen = (typeof screens)[number]

/** Function keys, because a packer's hands are on the scanner and the parcel, not on a mouse. */
export const screenKeys: Readonly<Record<string, Screen>> = {
  F1: "pack",
  F2: "returns",
  F3: "manager",
  F4: "handover"
}

export const NavTabs = ({
  current,
  onSelect
}: {
  readonly current: Screen
  readonly onSelect: (screen: Screen) => void
}) => {
  const { t } = useStationContext()
  return (
    <div className="tabs" role="tablist">
      {screens.map((screen, index) => (
        <button
          key={screen}
          type="button"
          role="tab"
          aria-selected={screen === current}
          className={screen === current ? "tab tab-active" : "tab"}
          onClick={() => onSelect(screen)}
        >
          <span className="tab-key">F{index + 1}</span> {t(`tab.${screen}` as MessageKey)}
        </button>
      ))}
    </div>
  )
}
