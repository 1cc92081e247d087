/** `packbench desktop`: runs the station in the Electron window where Electron is installed. */
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { Command } from "../Command.ts"
import { writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"

const MAIN_ENTRY = fileURLToPath(new URL("../../../electron/main.mjs", import.meta.url))

/**
 * The Electron binary's path, or undefined when Electron is not installed. It is an optional dependency: its
 * postinstall downloads a binary, and where that fails npm leaves the package out entirely.
 */
export const electronBinary = (): string | undefined => {
  const require = createRequire(import.meta.url)
  try {
    require.resolve("electron")
    const binary: unknown = require("electron")
    return typeof binary === "string" ? binary : undefined
  } catch {
    return undefined
  }
}

/** Whether `packbench desktop` can run here; `npm start` falls back to `packbench serve` when it cannot. */
export const electronAvailable = (): boolean => electronBinary() !== undefined

export const makeDesktopCommand = (locate: () => string | undefined, entry = MAIN_ENTRY): Command => ({
  name: "desktop",
  usage: "desktop [--config FILE]",
  summary: "run the station in the Electron desktop app (needs the optional electron package)",
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: "string" })
    if (!flags.ok) {
      await writeLine(io.stderr, `packbench desktop: ${flags.message}`)
      return 2
    }
    const binary = locate()
    if (binary === undefined) {
      await writeLine(
        io.stderr,
        "Electron is not installed (it is optional); run `packbench serve` for the browser UI."
      )
      return 1
    }
    // The desktop app runs the station under this Node, whose ABI the native modules were built for.
    const base = { ...io.env, PACKBENCH_NODE: process.execPath }
    const env =
      flags.values.config === undefined ? base : { ...base, PACKBENCH_CONFIG: resolve(io.cwd, flags.values.config) }
    return new Promise<number>((done) => {
      const child = spawn(binary, [entry], { cwd: io.cwd, env, stdio: "inherit" })
      child.once("error", (error) => {
        void writeLine(io.stderr, `packbench desktop: could not start Electron (${binary}): ${error.message}`).then(
          () => done(1)
        )
      })
      child.once("exit", (code, signal) => done(code ?? (signal === null ? 1 : 128)))
    })
  }
})

/** Opens the station in its own desktop window; the station itself runs in an Electron utility process. */
export const desktopCommand: Command = makeDesktopCommand(electronBinary)
