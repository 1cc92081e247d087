/** `packbench decode`: decodes every barcode in image files. */
import { readFile } from "node:fs/promises"
import { resolve } from "node:path"
import { Effect } from "effect"
import type { BarcodeDecoder } from "../../camera/BarcodeDecoder.ts"
import type { DecoderName } from "../../camera/defaultDecoder.ts"
import { defaultDecoder, makeDecoder } from "../../camera/defaultDecoder.ts"
import { loadImage } from "../../camera/loadImage.ts"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"

const decoderNames: ReadonlyArray<DecoderName> = ["zxing-wasm", "zxing-js"]
const usage = "decode [--decoder zxing-js|zxing-wasm] FILE..."

/** One file's JSON line: its barcodes, or why it could not be read. The batch goes on either way. */
const decodeFile = async (decoder: BarcodeDecoder, file: string, cwd: string): Promise<object> => {
  const bytes = await readFile(resolve(cwd, file)).then(
    (buffer) => ({ ok: true as const, buffer }),
    (error: NodeJS.ErrnoException) => ({
      ok: false as const,
      error: `cannot read file: ${error.code ?? error.message}`
    })
  )
  if (!bytes.ok) return { file, error: bytes.error }
  const outcome = await Effect.runPromise(
    loadImage(bytes.buffer).pipe(
      Effect.flatMap((image) => decoder.decode(image)),
      Effect.map((results) => ({ file, results })),
      Effect.catch((error) => Effect.succeed({ file, error: error.message }))
    )
  )
  return outcome
}

export const decodeCommand: Command = {
  name: "decode",
  usage,
  summary: "decode barcodes in PNG/JPEG images, one JSON line per file",
  run: async (argv, io) => {
    const files: Array<string> = []
    let decoderName: DecoderName = defaultDecoder
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      if (arg === "--decoder") {
        const value = argv[++i]
        const known = decoderNames.find((name) => name === value)
        if (known === undefined) {
          await writeLine(
            io.stderr,
            `packbench decode: --decoder must be zxing-js or zxing-wasm, got ${value ?? "nothing"}\nusage: packbench ${usage}`
          )
          return 2
        }
        decoderName = known
      } else if (arg.startsWith("--")) {
        await writeLine(io.stderr, `packbench decode: unknown option ${arg}\nusage: packbench ${usage}`)
        return 2
      } else {
        files.push(arg)
      }
    }
    if (files.length === 0) {
      await writeLine(io.stderr, `packbench decode: no image files given\nusage: packbench ${usage}`)
      return 2
    }
    const decoder = await Effect.runPromiseExit(makeDecoder(decoderName))
    if (decoder._tag === "Failure") {
      await writeLine(io.stderr, `packbench decode: cannot start ${decoderName}: ${String(decoder.cause)}`)
      return 1
    }
    for (const file of files) {
      await writeLine(io.stdout, JSON.stringify(await decodeFile(decoder.value, file, io.cwd)))
    }
    return 0
  }
}
