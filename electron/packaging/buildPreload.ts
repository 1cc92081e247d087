/** The `npm run build:preload` script: bundles the desktop app's preload into electron/dist. */
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { bundlePreload } from "../bundlePreload.ts"

// `npm run build:preload`: the preload the desktop app loads, bundled ahead of its start into electron/dist.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
process.stdout.write(`${await bundlePreload(join(root, "electron", "dist"))}\n`)
