/** The app shell: header, screen tabs and the screen that is up. */
import { useEffect, useMemo, useRef, useState } from "react"
import type { StationClient } from "../api/StationClient.ts"
import { describeError, makeTranslator } from "../i18n/Translator.ts"
import { playErrorTone } from "../scanner/playErrorTone.ts"
import { describeScan } from "../scanner/ScanDisplay.ts"
import { scanOn } from "../scanner/ScreenScans.ts"
import { attachWedgeListener } from "../scanner/WedgeListener.ts"
import { StationContext } from "../station/StationContext.ts"
import { useAlerts } from "../station/useAlerts.ts"
import { useStation } from "../station/useStation.ts"
import { AlertBanner } from "./AlertBanner.tsx"
import { HandoverScreen } from "./HandoverScreen.tsx"
import { Header } from "./Header.tsx"
import { ManagerScreen } from "./ManagerScreen.tsx"
import { MANUAL_ENTRY_ID } from "./ManualEntry.tsx"
import { NavTabs, type Screen, screenKeys } from "./NavTabs.tsx"
import { PackScreen } from "./PackScreen.tsx"
import { type PinHolder, PinPrompt } from "./PinPrompt.tsx"
import { ReturnsScreen } from "./ReturnsScreen.tsx"

export const App = ({ client }: { readonly client: StationClient }) => {
  const [screen, setScreen] = useState<Screen>("pack")
  const currentScreen = useRef(screen)
  currentScreen.current = screen
  const station = useStation(client, () => currentScreen.current)
  // The failure itself, translated when shown: a language chosen after it still applies.
  const [problem, setProblem] = useState<{ readonly error: unknown }>()
  const locale = station.status?.locale ?? "de"
  const context = useMemo(() => ({ client, locale, t: makeTranslator(locale) }), [client, locale])
  const { t } = context

  const alerts = useAlerts(client)

  // The wedge listener lives as long as the page; the screen it reports as the scan's context changes under it.
  const submitScan = useRef(station.submitScan)
  submitScan.current = station.submitScan
  useEffect(() => attachWedgeListener(window, (raw) => submitScan.current(raw, "wedge", currentScreen.current)), [])
  const onScan = (raw: string, source: "manual" | "camera") => station.submitScan(raw, source, screen)
  // Scanners the station reads itself (serial) cannot say which screen is up: tell the station whenever it changes.
  useEffect(() => {
    client.call("station.setScreen", { screen }).catch((error: unknown) => setProblem({ error }))
  }, [client, screen])

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = screenKeys[event.key]
      if (target !== undefined) {
        event.preventDefault()
        setScreen(target)
      } else if (event.key === "F6") {
        event.preventDefault()
        document.getElementById(MANUAL_ENTRY_ID)?.focus()
      }
    }
    window.addEventListener("keydown", onKeyDown)
    return () => window.removeEventListener("keydown", onKeyDown)
  }, [])

  // A manager's badge asks for the PIN: the prompt opens for the badge just scanned.
  const [pinHolder, setPinHolder] = useState<PinHolder>()
  const lastScanId = useRef<number | undefined>(undefined)
  useEffect(() => {
    const scan = station.scans.latest
    if (scan === undefined || scan.id === lastScanId.current) return
    lastScanId.current = scan.id
    if (describeScan(t, scan).tone === "bad") playErrorTone()
    if (scan.state === "done" && scan.outcome.action === "pin-required") {
      setPinHolder({ badge: scan.outcome.raw, name: scan.outcome.message.replace(/ \([a-z-]+\)$/, "") })
    }
  }, [station.scans.latest, t])

  useEffect(() => {
    document.documentElement.lang = locale
    document.title = `${t("app.title")} – ${station.status?.stationId ?? ""}`
  }, [locale, t, station.status?.stationId])

  const report = (action: Promise<void>) => {
    setProblem(undefined)
    action.catch((error: unknown) => setProblem({ error }))
  }

  return (
    <StationContext.Provider value={context}>
      <div className="app">
        <Header
          status={station.status}
          onLocale={(next) => report(station.setLocale(next))}
          onSignOut={() => report(station.signOut())}
        />
        {station.connection === "disconnected" && (
          <div className="banner" role="alert" data-testid="transport-banner">
            {t("header.transportLost")}
          </div>
        )}
        {problem !== undefined && (
          <div className="banner banner-soft" role="alert" data-testid="app-problem">
            {describeError(t, problem.error)}
          </div>
        )}
        <AlertBanner alerts={alerts.alerts} onAcknowledge={alerts.acknowledge} />
        {pinHolder !== undefined && (
          <PinPrompt
            key={pinHolder.badge}
            holder={pinHolder}
            onSignedIn={() => {
              setPinHolder(undefined)
              station.refreshStatus()
            }}
            onClose={() => setPinHolder(undefined)}
          />
        )}
        <NavTabs current={screen} onSelect={setScreen} />
        <main className="screen">
          {screen === "pack" && (
            <PackScreen operator={station.status?.operator} lastScan={scanOn(station.scans, screen)} onScan={onScan} />
          )}
          {screen === "returns" && (
            <ReturnsScreen
              operator={station.status?.operator}
              lastScan={scanOn(station.scans, screen)}
              onScan={onScan}
            />
          )}
          {screen === "handover" && <HandoverScreen lastScan={scanOn(station.scans, screen)} onScan={onScan} />}
          {screen === "manager" && (
            <ManagerScreen status={station.status} onLocale={(next) => report(station.setLocale(next))} />
          )}
        </main>
      </div>
    </StationContext.Provider>
  )
}
