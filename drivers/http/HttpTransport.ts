/**
 * The browser's transport: the built UI, the API over HTTP and the pushes over a WebSocket, with their security
 * headers.
 */
import { createReadStream, existsSync, statSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { basename, extname, join, normalize, resolve, sep } from "node:path"
import { WebSocketServer } from "ws"
import type { WireResult } from "../../core/api/ApiDispatcher.ts"
import type { PushMessage } from "../../core/api/StationApi.ts"
import type { Client } from "../../core/session/Client.ts"
import { admitCall, admitSocket, type Refusal } from "./RequestGuard.ts"
import type { SessionCookies } from "./SessionCookies.ts"

export interface HttpTransportOptions {
  readonly host: string
  readonly port: number
  /** The built UI (renderer/dist). */
  readonly staticDir: string
  /** URL prefix → folder, for files the station produces (printer renderings). */
  readonly fileRoots: Readonly<Record<string, string>>
  /** Runs one call for the browser session it came with. */
  readonly call: (client: Client, name: string, input: unknown) => Promise<WireResult>
  readonly subscribe: (client: Client, listener: (message: PushMessage) => void) => () => void
  /** Issues and recognises the browsers' session cookies. */
  readonly sessions: SessionCookies
  readonly onError: (message: string) => void
}

export interface HttpTransport {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

const MAX_BODY_BYTES = 1_000_000

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".pdf": "application/pdf",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".zpl": "text/plain; charset=utf-8",
  ".wasm": "application/wasm"
}

/** The UI may only run code from this origin: no inline scripts, no remote hosts. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; media-src 'self' blob:; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

/**
 * The camera's decode worker compiles zxing-cpp's WebAssembly, which CSP allows only with 'wasm-unsafe-eval'. A
 * dedicated worker runs under the policy its own script arrives with, so that permission goes to this one script
 * (and the .wasm it fetches from this origin) and never to the page.
 */
export const DECODER_WORKER_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'"

/** The built decode worker: Vite names it after its source, renderer/src/camera/decodeWorker.ts, plus a hash. */
export const isDecoderWorker = (file: string): boolean => /^decodeWorker-[\w-]+\.js$/.test(basename(file))

const policyFor = (file: string): Record<string, string> =>
  file.endsWith(".html")
    ? { "content-security-policy": CONTENT_SECURITY_POLICY }
    : isDecoderWorker(file)
      ? { "content-security-policy": DECODER_WORKER_POLICY }
      : {}

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
  response.end(JSON.stringify(body))
}

const refuse = (response: ServerResponse, refusal: Refusal) =>
  sendJson(response, refusal.status, { ok: false, error: { code: refusal.code, message: refusal.message } })

/** A flood, not a mistake: beyond this the station stops reading and closes the connection without an answer. */
const MAX_DISCARDED_BYTES = 16 * MAX_BODY_BYTES

class BodyTooLarge extends Error {
  constructor(
    message: string,
    /** The connection was closed: there is nobody to answer. */
    readonly closed: boolean
  ) {
    super(message)
  }
}

/**
 * The request's body as text. An oversized one is read to its end and dropped, so the answer that says so reaches the
 * client: closing a socket with unread data resets it, and the client would see only ECONNRESET.
 */
const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolveBody, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_DISCARDED_BYTES) {
        reject(new BodyTooLarge(`The request body is larger than ${MAX_DISCARDED_BYTES} bytes`, true))
        request.destroy()
      } else if (size > MAX_BODY_BYTES) {
        chunks.length = 0
      } else {
        chunks.push(chunk)
      }
    })
    request.on("end", () =>
      size > MAX_BODY_BYTES
        ? reject(new BodyTooLarge(`The request body is larger than ${MAX_BODY_BYTES} bytes`, false))
        : resolveBody(Buffer.concat(chunks).toString("utf8"))
    )
    request.on("error", reject)
  })

/** Whether the path's percent-encoding decodes (`%E0%A4%A` does not): every use below decodes it. */
const decodablePath = (pathname: string) => {
  try {
    decodeURIComponent(pathname)
    return true
  } catch {
    return false
  }
}

/** Resolves `relative` inside `root`, or undefined when it would leave it (`..`, absolute paths). */
const inside = (root: string, relative: string): string | undefined => {
  const target = resolve(root, normalize(decodeURIComponent(relative)).replace(/^([/\\])+/, ""))
  return target === root || target.startsWith(root + sep) ? target : undefined
}

const serveFile = (response: ServerResponse, file: string, extraHeaders: Record<string, string> = {}) => {
  response.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "x-content-type-options": "nosniff",
    ...extraHeaders
  })
  createReadStream(file).pipe(response)
}

/**
 * The browser transport of the station API: `POST /api/call/<name>` with a JSON body answers a WireResult,
 * `GET /api/events` upgrades to a WebSocket that carries the pushes, everything else serves the UI.
 * It answers only requests addressed to a loopback or configured host name, so a web page elsewhere cannot
 * reach the station through DNS rebinding, and takes calls and sockets only from the station's own page
 * (RequestGuard). Each browser has its own session, named by a cookie (SessionCookies): the page and every call
 * without a valid one get a new one, and calls and pushes act for the session they came with.
 */
export const startHttpTransport = async (options: HttpTransportOptions): Promise<HttpTransport> => {
  const staticRoot = resolve(options.staticDir)
  const fileRoots = Object.entries(options.fileRoots).map(([prefix, dir]) => [prefix, resolve(dir)] as const)
  const allowedHost = (hostHeader: string | undefined) => {
    const name = (hostHeader ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "")
    return name === "localhost" || name === "127.0.0.1" || name === "::1" || name === options.host
  }

  /** The session a request came with, or a new one announced in the response. */
  const sessionOf = (request: IncomingMessage, response: ServerResponse): Client => {
    const address = request.socket.remoteAddress
    const known = options.sessions.clientOf(request.headers.cookie)
    if (known !== undefined) return { id: known, ...(address === undefined ? {} : { address }) }
    const issued = options.sessions.issue()
    response.setHeader("set-cookie", issued.setCookie)
    return { id: issued.clientId, ...(address === undefined ? {} : { address }) }
  }

  const server = createServer(async (request, response) => {
    try {
      if (!allowedHost(request.headers.host)) {
        sendJson(response, 421, { ok: false, error: { code: "wrong-host", message: "Unknown host name" } })
        return
      }
      const url = new URL(request.url ?? "/", "http://station.invalid")
      if (!decodablePath(url.pathname)) {
        sendJson(response, 400, {
          ok: false,
          error: { code: "bad-path", message: "The request path is not valid percent-encoded UTF-8" }
        })
        return
      }
      if (url.pathname.startsWith("/api/call/")) {
        const refusal = admitCall(request.method, request.headers, request.socket.remoteAddress)
        if (refusal !== undefined) {
          refuse(response, refusal)
          return
        }
        const client = sessionOf(request, response)
        const name = decodeURIComponent(url.pathname.slice("/api/call/".length))
        let input: unknown
        try {
          const body = await readBody(request)
          input = body.trim() === "" ? {} : JSON.parse(body)
        } catch (error) {
          if (error instanceof BodyTooLarge) {
            if (!error.closed) {
              sendJson(response, 413, { ok: false, error: { code: "body-too-large", message: error.message } })
            }
            return
          }
          sendJson(response, 400, {
            ok: false,
            error: { code: "invalid-json", message: `The request body is not valid JSON: ${(error as Error).message}` }
          })
          return
        }
        sendJson(response, 200, await options.call(client, name, input))
        return
      }
      if (request.method !== "GET" && request.method !== "HEAD") {
        sendJson(response, 405, { ok: false, error: { code: "method-not-allowed", message: "Use GET" } })
        return
      }
      for (const [prefix, root] of fileRoots) {
        if (url.pathname.startsWith(`${prefix}/`)) {
          const file = inside(root, url.pathname.slice(prefix.length + 1))
          if (file === undefined || !existsSync(file) || !statSync(file).isFile()) {
            sendJson(response, 404, { ok: false, error: { code: "not-found", message: url.pathname } })
          } else {
            serveFile(response, file, { "cache-control": "no-store" })
          }
          return
        }
      }
      const candidate = inside(staticRoot, url.pathname === "/" ? "index.html" : url.pathname)
      const file =
        candidate !== undefined && existsSync(candidate) && statSync(candidate).isFile()
          ? candidate
          : join(staticRoot, "index.html")
      if (!existsSync(file)) {
        response.writeHead(503, { "content-type": "text/plain; charset=utf-8" })
        response.end("The station UI is not built. Run `npm run build:ui` (npm start does it for you).")
        return
      }
      if (file.endsWith(".html")) {
        sessionOf(request, response)
        response.setHeader("cache-control", "no-store")
      }
      serveFile(response, file, policyFor(file))
    } catch (error) {
      options.onError(`HTTP ${request.method} ${request.url} failed: ${(error as Error).stack ?? String(error)}`)
      if (!response.headersSent)
        sendJson(response, 500, { ok: false, error: { code: "internal", message: String(error) } })
      else response.destroy()
    }
  })

  const sockets = new WebSocketServer({ noServer: true })
  // A socket that arrives without a session starts one; its cookie goes out with the handshake's answer.
  const handshakeCookies = new WeakMap<IncomingMessage, string>()
  sockets.on("headers", (headers, request) => {
    const cookie = handshakeCookies.get(request)
    if (cookie !== undefined) headers.push(`Set-Cookie: ${cookie}`)
  })
  server.on("upgrade", (request, socket, head) => {
    const url = new URL(request.url ?? "/", "http://station.invalid")
    if (url.pathname !== "/api/events" || !allowedHost(request.headers.host)) {
      socket.destroy()
      return
    }
    const refusal = admitSocket(request.headers, request.socket.remoteAddress)
    if (refusal !== undefined) {
      const body = JSON.stringify({ ok: false, error: { code: refusal.code, message: refusal.message } })
      socket.end(
        `HTTP/1.1 ${refusal.status} Forbidden\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
      )
      return
    }
    const address = request.socket.remoteAddress
    let clientId = options.sessions.clientOf(request.headers.cookie)
    if (clientId === undefined) {
      const issued = options.sessions.issue()
      handshakeCookies.set(request, issued.setCookie)
      clientId = issued.clientId
    }
    const client: Client = { id: clientId, ...(address === undefined ? {} : { address }) }
    sockets.handleUpgrade(request, socket, head, (connection) => {
      const unsubscribe = options.subscribe(client, (message) => {
        if (connection.readyState === connection.OPEN) connection.send(JSON.stringify(message))
      })
      connection.on("close", unsubscribe)
      connection.on("error", (error) => options.onError(`UI event socket failed: ${error.message}`))
    })
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject)
    server.listen(options.port, options.host, () => {
      server.off("error", reject)
      resolveListen()
    })
  })
  const port = (server.address() as AddressInfo).port
  const hostForUrl = options.host.includes(":") ? `[${options.host}]` : options.host
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of sockets.clients) client.terminate()
        sockets.close()
        server.closeAllConnections()
        server.close(() => resolveClose())
      })
  }
}
