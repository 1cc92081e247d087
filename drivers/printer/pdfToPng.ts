/** Turns a rendered PDF into PNGs with poppler's pdftoppm. */
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

const run = (file: string, args: ReadonlyArray<string>): Promise<void> =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 30_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${stderr.trim() || error.message}`)) : resolve()
    )
  })

/**
 * Rasterises one page of a PDF with poppler's `pdftoppm` at the printer's resolution, so a dot
 * of the job is a pixel of the PNG. Vector anti-aliasing is off: thermal dots are black or
 * white, and soft bar edges would make barcode decoding of the image less like the real print.
 */
export const pdfToPng = async (pdf: Uint8Array, dpi: number, page = 1): Promise<Buffer> => {
  const dir = await mkdtemp(join(tmpdir(), "packbench-pdftoppm-"))
  try {
    const input = join(dir, "in.pdf")
    await writeFile(input, pdf)
    const args = ["-png", "-r", String(dpi), "-aaVector", "no", "-f", String(page), "-l", String(page), "-singlefile"]
    await run("pdftoppm", [...args, input, join(dir, "out")])
    return await readFile(join(dir, "out.png"))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
