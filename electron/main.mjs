// Entry of the Electron main process (`electron electron/main.mjs`, or `packbench desktop`). It installs tsx's loader
// so the TypeScript sources run as they do in the CLI. startDesktop is deliberately not awaited here: Electron emits
// `ready` only after this module's top-level await settles, and startDesktop itself waits for `ready`.
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { register } from "tsx/esm/api"

register()
const root = fileURLToPath(new URL("..", import.meta.url))
const { startDesktop } = await import("./main.ts")
startDesktop({
  staticDir: join(root, "renderer", "dist"),
  // Built before Electron starts: by `packbench desktop`, `npm run build:preload` or the packaging step.
  preload: join(root, "electron", "dist", "preload.cjs"),
  log: (line) => process.stderr.write(`${line}\n`)
}).catch((error) => {
  process.stderr.write(`Packbench desktop failed: ${error?.stack ?? error}\n`)
  process.exit(1)
})
