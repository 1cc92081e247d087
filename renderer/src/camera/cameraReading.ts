/** The messages between the camera's decode worker and the UI thread (the reading plan is core/decode/readCameraFrame.ts). */

/** RGBA pixels of a crop, as the worker receives them (the buffer is transferred, not copied). */
export interface CameraFrame {
  readonly width: number
  readonly height: number
  readonly data: ArrayBuffer
}

export type DecodeReply =
  | { readonly id: number; readonly texts: ReadonlyArray<string> }
  | { readonly id: number; readonly error: string }
