import { useEffect, useRef, useState } from "react"
import { useStationContext } from "../station/StationContext.ts"

type CameraState =
  | { readonly phase: "closed" }
  | { readonly phase: "starting" | "running" }
  | { readonly phase: "failed"; readonly problem: "none" | "denied" | "other"; readonly reason: string }

/**
 * A code seen again before it has been out of view this long is the same label still held up, not a second scan:
 * the decoder reads a held label every half second, and a packer holding a mug up for five seconds packed one mug.
 */
const REPEAT_QUIET_MS = 2000
/** Pause between fruitless decode attempts; zxing's default of 0 keeps a core busy while nothing is in view. */
const RETRY_AFTER_MISS_MS = 100

const problemOf = (error: unknown) => {
  const name = error instanceof DOMException ? error.name : ""
  if (name === "NotFoundError" || name === "OverconstrainedError") return "none"
  return name === "NotAllowedError" ? "denied" : "other"
}

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
  const open = state.phase === "starting" || state.phase === "running"

  // Keyed on `open` alone: going from starting to running, or a locale change, must not restart the camera.
  useEffect(() => {
    if (!open) return
    let stopped = false
    let stop = () => {}
    const start = async () => {
      const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? []
      if (!devices.some((device) => device.kind === "videoinput")) throw new DOMException("none", "NotFoundError")
      const { BrowserMultiFormatReader } = await import("@zxing/library")
      if (stopped || video.current === null) return
      const reader = new BrowserMultiFormatReader()
      reader.timeBetweenDecodingAttempts = RETRY_AFTER_MISS_MS
      stop = () => reader.reset()
      let last = { text: "", seenAtMs: Number.NEGATIVE_INFINITY }
      await reader.decodeFromVideoDevice(null, video.current, (result) => {
        if (result === null) return
        const text = result.getText()
        const now = performance.now()
        const repeat = text === last.text && now - last.seenAtMs < REPEAT_QUIET_MS
        last = { text, seenAtMs: now }
        if (!repeat) onScanRef.current(text)
      })
      // Closed while the camera was still being granted: the stream arrived after reset() and would stay on.
      if (stopped) reader.reset()
      else setState({ phase: "running" })
    }
    start().catch((error: unknown) => {
      if (stopped) return
      setState({
        phase: "failed",
        problem: problemOf(error),
        reason: error instanceof Error ? error.message : String(error)
      })
    })
    return () => {
      stopped = true
      stop()
    }
  }, [open])

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
          {state.problem === "none"
            ? t("camera.none")
            : state.problem === "denied"
              ? t("camera.denied")
              : t("camera.failed", { reason: state.reason })}
        </p>
      )}
      {open && <video ref={video} className="camera-video" muted playsInline />}
    </div>
  )
}
