/** Scanning with the camera: the preview, the decode worker and what it read. */
import { useEffect, useRef, useState } from "react"
import { regionOfInterest, regionOfInterestIn } from "../../../core/decode/readCameraFrame.ts"
import type { FrameDecoder } from "../camera/FrameDecoder.ts"
import { useStationContext } from "../station/StationContext.ts"

type CameraState =
  | { readonly phase: "closed" }
  | { readonly phase: "starting" | "running" }
  | { readonly phase: "failed"; readonly problem: "none" | "denied" | "other"; readonly reason: string }

/**
 * A code seen again before it has been out of view this long is the same label still held up, not a second scan:
 * the decoder reads a held label many times a second, and a packer holding a mug up for five seconds packed one mug.
 */
const REPEAT_QUIET_MS = 2000
/** Pause after a frame with no code, so a camera pointed at nothing does not keep a core busy. */
const RETRY_AFTER_MISS_MS = 60

const problemOf = (error: unknown) => {
  const name = error instanceof DOMException ? error.name : ""
  if (name === "NotFoundError" || name === "OverconstrainedError") return "none"
  return name === "NotAllowedError" ? "denied" : "other"
}

/** The crop of the current video frame the decoder reads, as RGBA pixels it may take ownership of. */
const grabRegion = (video: HTMLVideoElement, canvas: HTMLCanvasElement) => {
  const region = regionOfInterestIn(video.videoWidth, video.videoHeight)
  if (canvas.width !== region.width) canvas.width = region.width
  if (canvas.height !== region.height) canvas.height = region.height
  const context = canvas.getContext("2d", { willReadFrequently: true })
  if (context === null) return undefined
  context.drawImage(video, region.left, region.top, region.width, region.height, 0, 0, region.width, region.height)
  const pixels = context.getImageData(0, 0, region.width, region.height)
  return { width: pixels.width, height: pixels.height, data: pixels.data.buffer }
}

/**
 * Scans with the webcam for benches without a hand scanner. zxing-cpp (WebAssembly) decodes the middle of each
 * frame in a worker, so the screen stays responsive; worker and decoder load only when the camera opens. A missing
 * or refused camera is a message, never a broken screen.
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
    let stream: MediaStream | undefined
    let decoder: FrameDecoder | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      decoder?.close()
      for (const track of stream?.getTracks() ?? []) track.stop()
    }
    const start = async () => {
      const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? []
      if (!devices.some((device) => device.kind === "videoinput")) throw new DOMException("none", "NotFoundError")
      const { startFrameDecoder } = await import("../camera/FrameDecoder.ts")
      const opened = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false
      })
      stream = opened
      // Closed while the camera was still being granted: the stream arrived after the clean-up and would stay on.
      if (stopped || video.current === null) {
        for (const track of opened.getTracks()) track.stop()
        return
      }
      decoder = startFrameDecoder()
      const element = video.current
      element.srcObject = opened
      await element.play()
      if (stopped) return
      setState({ phase: "running" })
      const canvas = document.createElement("canvas")
      let last = { text: "", seenAtMs: Number.NEGATIVE_INFINITY }
      const tick = async () => {
        if (stopped || decoder === undefined) return
        const frame = element.videoWidth > 0 ? grabRegion(element, canvas) : undefined
        const texts = frame === undefined ? [] : await decoder.decode(frame)
        if (stopped) return
        const now = performance.now()
        for (const text of texts) {
          const repeat = text === last.text && now - last.seenAtMs < REPEAT_QUIET_MS
          last = { text, seenAtMs: now }
          if (!repeat) onScanRef.current(text)
        }
        timer = setTimeout(() => void tick().catch(fail), texts.length === 0 ? RETRY_AFTER_MISS_MS : 0)
      }
      await tick()
    }
    const fail = (error: unknown) => {
      if (stopped) return
      stop()
      setState({
        phase: "failed",
        problem: problemOf(error),
        reason: error instanceof Error ? error.message : String(error)
      })
    }
    start().catch(fail)
    return stop
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
      {open && (
        <div className="camera-view">
          <video ref={video} className="camera-video" muted playsInline />
          <div
            className="camera-region"
            aria-hidden="true"
            style={{
              left: `${regionOfInterest.left * 100}%`,
              top: `${regionOfInterest.top * 100}%`,
              width: `${regionOfInterest.width * 100}%`,
              height: `${regionOfInterest.height * 100}%`
            }}
          />
        </div>
      )}
    </div>
  )
}
