/** Draws a PDF in memory with the fonts the simulated printers use. */
import PDFDocument from "pdfkit"

export const LABEL_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"
export const MONO_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
export const MONO_BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"

/** Runs `draw` on a fresh pdfkit document (no default page) and collects the finished file. */
export const pdfBytes = (draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const doc = new PDFDocument({ autoFirstPage: false, compress: false })
    const chunks: Array<Buffer> = []
    doc.on("data", (chunk: Buffer) => chunks.push(chunk))
    doc.on("end", () => resolve(Buffer.concat(chunks)))
    doc.on("error", reject)
    try {
      draw(doc)
      doc.end()
    } catch (error) {
      reject(error)
    }
  })
