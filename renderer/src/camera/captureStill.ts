/** Takes one JPEG still with the screen's camera for the pack evidence photo, small enough for one API request. */

/** The still's longest side; a bench photo needs no more, and the JPEG stays well under the request bound. */
const MAX_SIDE = 1280

/** Opens the camera, grabs one frame, closes it again and answers the JPEG as base64; undefined when it cannot. */
export const captureStill = async (): Promise<string | undefined> => {
  if (navigator.mediaDevices?.getUserMedia === undefined) return undefined
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
  try {
    const video = document.createElement("video")
    video.muted = true
    video.playsInline = true
    video.srcObject = stream
    await video.play()
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight, 1))
    const canvas = document.createElement("canvas")
    canvas.width = Math.max(1, Math.round(video.videoWidth * scale))
    canvas.height = Math.max(1, Math.round(video.videoHeight * scale))
    canvas.getContext("2d")?.drawImage(video, 0, 0, canvas.width, canvas.height)
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8))
    if (blob === null) return undefined
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let binary = ""
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(binary)
  } finally {
    for (const track of stream.getTracks()) track.stop()
  }
}
