/** The UI thread's side of the camera's barcode decode worker. */
import type { CameraFrame, DecodeReply } from "./cameraReading.ts"

/**
 * The UI thread's side of the decode worker: one frame at a time, answered in order. `close` ends the worker, and
 * with it any decode still running.
 */
export interface FrameDecoder {
  readonly decode: (frame: CameraFrame) => Promise<ReadonlyArray<string>>
  readonly close: () => void
}

export const startFrameDecoder = (): FrameDecoder => {
  const worker = new Worker(new URL("./decodeWorker.ts", import.meta.url), { type: "module", name: "camera-decoder" })
  const pending = new Map<number, { resolve: (texts: ReadonlyArray<string>) => void; reject: (e: Error) => void }>()
  let nextId = 0
  worker.addEventListener("message", (event: MessageEvent<DecodeReply>) => {
    const reply = event.data
    const waiting = pending.get(reply.id)
    pending.delete(reply.id)
    if (waiting === undefined) return
    if ("error" in reply) waiting.reject(new Error(reply.error))
    else waiting.resolve(reply.texts)
  })
  worker.addEventListener("error", (event) => {
    for (const waiting of pending.values()) waiting.reject(new Error(event.message || "camera decoder failed"))
    pending.clear()
  })
  return {
    decode: (frame) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, frame }, [frame.data])
      }),
    close: () => {
      worker.terminate()
      for (const waiting of pending.values()) waiting.reject(new Error("camera closed"))
      pending.clear()
    }
  }
}
