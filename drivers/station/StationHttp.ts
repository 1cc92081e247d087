/** Serves the UI, the API and the pushes to browsers over HTTP and WebSocket. */
import { join } from "node:path"
import { Context, Effect, FiberSet, Layer } from "effect"
import { PushHub } from "../../core/api/PushHub.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { readOrCreateSecret } from "../fs/readOrCreateSecret.ts"
import { startHttpTransport } from "../http/HttpTransport.ts"
import { makeSessionCookies } from "../http/SessionCookies.ts"
import { DEFAULT_STATIC_DIR } from "./ProjectPaths.ts"
import { releaseLogged } from "./releaseLogged.ts"
import { StationCalls } from "./StationCalls.ts"

/**
 * The browser's way in: the UI, the API over `POST /api/call/<name>` and the pushes over a WebSocket, on
 * `http.host:http.port`, served until the station's scope closes. Absent (no URL) where Electron relays over IPC.
 * The browsers' session cookies are signed with `<dataDir>/http-session-key` (made on first start, mode 0600), so
 * a browser keeps its session across a restart of the station (its operator signs in again).
 */
export class StationHttp extends Context.Service<StationHttp, { readonly url: string | undefined }>()(
  "packbench/drivers/station/StationHttp"
) {
  static readonly layer = (options: {
    readonly config: ResolvedConfig
    readonly http: boolean
    readonly staticDir?: string
    readonly log: (line: string) => void
  }) =>
    Layer.effect(
      StationHttp,
      Effect.gen(function* () {
        if (!options.http) return StationHttp.of({ url: undefined })
        const { config, log } = options
        const calls = yield* StationCalls
        const pushes = yield* PushHub
        const run = yield* FiberSet.makeRuntimePromise()
        const http = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              startHttpTransport({
                host: config.http.host,
                port: config.http.port,
                staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
                fileRoots: { "/printouts": join(config.dataDir, "printouts") },
                call: (client, name, input) => run(calls.callAs(client, name, input)),
                subscribe: (client, listener) => pushes.subscribe(listener, client.id),
                sessions: makeSessionCookies(readOrCreateSecret(join(config.dataDir, "http-session-key"))),
                onError: log
              }),
            catch: (error) => (error instanceof Error ? error : new Error(String(error)))
          }),
          (started) => releaseLogged(log, () => started.close())
        )
        return StationHttp.of({ url: http.url })
      })
    )
}
