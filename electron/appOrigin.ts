/**
 * The app's pages and printouts are served from one custom, standard, secure origin rather than `file://`: the UI's
 * absolute asset paths (`/assets/…`) and the station's `/printouts/…` preview URLs then resolve exactly as they do
 * over HTTP, `'self'` in the CSP means this origin only, and no other local file is reachable from the page.
 */
export const APP_SCHEME = "app"
export const APP_HOST = "packbench"
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`

/**
 * The HTTP transport's policy, minus what only a network transport needs (`ws:`/`wss:` for its WebSocket): the
 * Electron UI talks to the station over IPC, so the page may connect nowhere.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/** As over HTTP: only the camera's decode worker may compile WebAssembly ('wasm-unsafe-eval'), under its own policy. */
export const DECODER_WORKER_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"

/** True when `url` is a page or resource of this app (and not, say, `app://packbench.evil` or a `file://` page). */
export const isAppUrl = (url: string | undefined): boolean => {
  if (url === undefined) return false
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST
  } catch {
    return false
  }
}
