/** The Vite build of the station's UI, for both the HTTP server and Electron. */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vite"

/**
 * Plain Vite, no React plugin: Oxc compiles TSX with React's automatic runtime. `base: "./"` keeps asset URLs
 * relative, so the same build works served by the station over HTTP and loaded from disk by Electron.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The station's CSP allows no inline scripts; the module preload polyfill would be one.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500
  }
})
