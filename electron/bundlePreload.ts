/** Bundles the preload into the one CommonJS file a sandboxed preload must be. */
import { mkdirSync, renameSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const PRELOAD_SOURCE = fileURLToPath(new URL("./preload.ts", import.meta.url))

/**
 * Builds the preload into one CommonJS file, as a sandboxed preload must be (no ES modules, and `require` knows only
 * `electron` and a few Node polyfills). esbuild is already installed as tsx's own dependency and takes a few
 * milliseconds, so the desktop app needs no separate build step.
 */
export const bundlePreload = async (outDir: string): Promise<string> => {
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, "preload.cjs")
  const partial = join(outDir, `preload.${process.pid}.partial.cjs`)
  await build({
    entryPoints: [PRELOAD_SOURCE],
    outfile: partial,
    bundle: true,
    format: "cjs",
    platform: "browser",
    target: "es2023",
    external: ["electron"],
    logLevel: "silent",
    legalComments: "none"
  })
  renameSync(partial, outfile)
  return outfile
}
