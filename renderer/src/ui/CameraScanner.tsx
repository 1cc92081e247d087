import { useEffect, useRef, useState } from "react"
import { useStationContext } from "../station/StationContext.ts"

type CameraState =
  | { readonly phase: "closed" }
  | { readonly phase: "starting" | "running" }
  | { readonly phase: "failed"; readonly message: string }

/** The same code twice within this time is one read held in front of the camera, not two scans. */
const REPEAT_QUIET_MS = 2000

/**
 * Scans with the webcam for benches without a hand scanner. The decoder is loaded only when the camera opens, so
 * the bench does not pay for it otherwise; a missing or refused camera is a message, never a broken screen.
 */
export const CameraScanner = ({ onScan }: { readonly onScan: (raw: string) => void }) => {
  const { t } = useStationContext()
  const [state, setState] = useState<CameraState>({ phase: "closed" })
  const video = useRef<HTMLVideoElement>(null)
  const onScanRef = useRef(onScan)
  onScanRef.current = onScan

  useEffect(() => {
    if (state.phase !== "starting") return
    let stopped = false
    let stop = () => {}
    const start = async () => {
      const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? []
      if (!devices.some((device) => device.kind === "videoinput")) throw new DOMException("none", "NotFoundError")
      const { BrowserMultiFormatReader } = await import("@zxing/library")
      if (stopped || video.current === null) return
      const reader = new BrowserMultiFormatReader()
      stop = () => reader.reset()
      let last = { text: "", atMs: 0 }
      await reader.decodeFromVideoDevice(null, video.current, (result) => {
        if (result === null) return
        const text = result.getText()
        const now = performance.now()
        if (text === last.text && now - last.atMs < REPEAT_QUIET_MS) return
        last = { text, atMs: now }
        onScanRef.current(text)
      })
      if (!stopped) setState({ phase: "running" })
    }
    start().catch((error: unknown) => {
      if (stopped) return
      const name = error instanceof DOMException ? error.name : ""
      setState({
        phase: "failed",
        message:
          name === "NotFoundError" || name === "OverconstrainedError"
            ? t("camera.none")
            : name === "NotAllowedError"
              ? t("camera.denied")
              : t("camera.failed", { reason: error instanceof Error ? error.message : String(error) })
      })
    })
    return () => {
      stopped = true
      stop()
    }
  }, [state.phase, t])

  const open = state.phase === "starting" || state.phase === "running"
  return (
    <div className="camera">
      <button
        type="button"
        className="button-secondary"
        onClick={() => setState(open ? { phase: "closed" } : { phase: "starting" })}
      >
        {open ? t("camera.close") : t("camera.open")}
      </button>
      {state.phase === "starting" && <p className="hint">{t("camera.starting")}</p>}
      {state.phase === "failed" && (
        <p className="camera-message" role="status" data-testid="camera-message">
          {state.message}
        </p>
      )}
      {open && <video ref={video} className="camera-video" muted playsInline />}
    </div>
  )
}
