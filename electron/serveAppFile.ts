/** The desktop app's `app://` protocol handler for the built UI and printer previews. */
import { readFile, stat } from "node:fs/promises"
import { basename, extname, isAbsolute, relative, resolve, sep } from "node:path"
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY, DECODER_WORKER_POLICY } from "./appOrigin.ts"

/** Where the app's URLs are served from: the built UI, and the simulated printers' previews once the station says where. */
export interface AppFileRoots {
  readonly staticDir: string
  readonly printoutsDir: () => string | undefined
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8"
}

const PRINTOUTS_PREFIX = "/printouts/"

/** The file under `root` that `relativePath` names, or undefined when it would escape `root`. */
const inside = (root: string, relativePath: string): string | undefined => {
  const file = resolve(root, relativePath)
  const rel = relative(resolve(root), file)
  return rel === "" || rel.split(sep)[0] === ".." || isAbsolute(rel) ? undefined : file
}

const notFound = () => new Response("Not found", { status: 404, headers: { "content-type": "text/plain" } })

/**
 * The `app://packbench/…` protocol handler: `/printouts/…` from the station's printouts folder (previews of what the
 * simulated printers rendered), everything else from the built UI. Only GET, only files, never outside those two
 * folders; every response carries the CSP, so it holds even for a page that omits its meta tag.
 */
export const serveAppFile = async (request: { readonly url: string; readonly method: string }, roots: AppFileRoots) => {
  const url = new URL(request.url)
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return notFound()
  if (request.method !== "GET" && request.method !== "HEAD") return new Response("Method not allowed", { status: 405 })
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return notFound()
  }
  if (pathname.includes("\0")) return notFound()
  let file: string | undefined
  if (pathname.startsWith(PRINTOUTS_PREFIX)) {
    const printouts = roots.printoutsDir()
    file = printouts === undefined ? undefined : inside(printouts, pathname.slice(PRINTOUTS_PREFIX.length))
  } else {
    file = inside(roots.staticDir, pathname === "/" ? "index.html" : pathname.slice(1))
  }
  if (file === undefined) return notFound()
  const info = await stat(file).catch(() => undefined)
  if (info === undefined || !info.isFile()) return notFound()
  const body = await readFile(file)
  return new Response(request.method === "HEAD" ? null : body, {
    status: 200,
    headers: {
      "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-security-policy": /^decodeWorker-[\w-]+\.js$/.test(basename(file))
        ? DECODER_WORKER_POLICY
        : CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "cache-control": "no-store"
    }
  })
}
