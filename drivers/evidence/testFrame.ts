/** Draws the simulated camera's frame, a small JPEG of an open box on a bench, so `npm start` shows a real photo. */
import jpeg from "jpeg-js"

/** A 320x240 JPEG: a brown box with a darker opening on a grey bench, the frame number as a band of marks. */
export const drawTestFrame = (frame: number): Uint8Array => {
  const width = 320
  const height = 240
  const data = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inBox = x >= 70 && x < 250 && y >= 60 && y < 200
      const inOpening = x >= 90 && x < 230 && y >= 75 && y < 120
      const mark = y >= 220 && y < 230 && x >= 10 && x < 10 + (frame % 20) * 12 && x % 12 < 8
      const [r, g, b] = mark ? [30, 120, 200] : inOpening ? [90, 60, 30] : inBox ? [190, 140, 80] : [170, 170, 165]
      const offset = (y * width + x) * 4
      data[offset] = r
      data[offset + 1] = g
      data[offset + 2] = b
      data[offset + 3] = 255
    }
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data)
}
