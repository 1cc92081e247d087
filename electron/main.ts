/** The Electron main process: the window, the app scheme, and the relay between the page and the station process. */
import { fork } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } from "electron"
import { IPC_CALL_CHANNEL, IPC_PUSH_CHANNEL } from "../core/api/StationBridge.ts"
import { APP_INDEX_URL, APP_SCHEME, isAppUrl } from "./appOrigin.ts"
import { hardenWebContents } from "./hardenWebContents.ts"
import { IPC_CONNECTION_CHANNEL } from "./ipcConnectionChannel.ts"
import { guardIpcCall } from "./ipcGuard.ts"
import { mainWindowOptions } from "./mainWindowOptions.ts"
import { allowPermissionCheck, allowPermissionRequest } from "./permissionPolicy.ts"
import { serveAppFile } from "./serveAppFile.ts"
import { stationChildOf } from "./stationChildOf.ts"
import { makeStationRelay } from "./stationRelay.ts"
import { stationUtilityChildOf } from "./stationUtilityChildOf.ts"

const STATION_ENTRY = fileURLToPath(new URL("./stationProcess.mjs", import.meta.url))
const CLOSE_TIMEOUT_MS = 10_000

export interface DesktopOptions {
  /** The built UI (renderer/dist). */
  readonly staticDir: string
  /** The preload, bundled at build time (`npm run build:preload`, or the packaging step): never built at start. */
  readonly preload: string
  readonly log: (line: string) => void
}

/**
 * The Electron main process: it owns the window and relays, nothing more. The station runs in a utility process; the
 * page reaches it only through `api:call`, which is checked here before it is relayed. Returns once the station
 * process is started; the window opens when the station reports ready. Must be called before the app is ready,
 * because privileged schemes can only be registered then.
 */
export const startDesktop = async (options: DesktopOptions): Promise<void> => {
  const { log } = options
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }])
  if (!app.requestSingleInstanceLock()) {
    log("Packbench is already running; focusing that window instead.")
    app.quit()
    return
  }

  let window: BrowserWindow | undefined
  let printoutsDir: string | undefined
  let connection: "connected" | "disconnected" = "disconnected"
  let failed = false
  let stationClosed = false

  const fail = (title: string, message: string) => {
    if (failed) return
    failed = true
    log(`${title}: ${message}`)
    dialog.showErrorBox(title, message)
    app.exit(1)
  }

  app.on("second-instance", () => {
    if (window === undefined) return
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  app.on("web-contents-created", (_event, contents) => hardenWebContents(contents, log))
  app.on("window-all-closed", () => app.quit())

  await app.whenReady()

  if (!existsSync(join(options.staticDir, "index.html"))) {
    fail(
      "Packbench could not start",
      `The user interface is not built (${options.staticDir} has no index.html). Run: npm run build:ui`
    )
    return
  }
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowPermissionRequest(permission, details))
  )
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowPermissionCheck(permission, requestingOrigin, details)
  )
  protocol.handle(APP_SCHEME, (request) =>
    serveAppFile(request, { staticDir: options.staticDir, printoutsDir: () => printoutsDir })
  )
  if (!existsSync(options.preload)) {
    fail(
      "Packbench could not start",
      `The preload is not built (${options.preload} is missing). Run: npm run build:preload`
    )
    return
  }
  const preload = options.preload

  const send = (channel: string, payload: unknown) => {
    if (window !== undefined && !window.isDestroyed()) window.webContents.send(channel, payload)
  }
  const setConnection = (state: "connected" | "disconnected") => {
    connection = state
    send(IPC_CONNECTION_CHANNEL, state)
  }
  const openWindow = () => {
    const created = new BrowserWindow(mainWindowOptions(preload))
    created.once("ready-to-show", () => created.show())
    created.on("closed", () => {
      window = undefined
    })
    created.loadURL(APP_INDEX_URL).catch((error: unknown) => log(`loading ${APP_INDEX_URL} failed: ${String(error)}`))
    return created
  }

  // From the repository the station runs under plain Node, not in an Electron utility process: its native modules
  // (better-sqlite3, serialport) are built for the Node that installed them, and Electron's Node has another ABI, so
  // one build serves the CLI, `packbench serve` and the desktop app alike. The packaged app has no Node of its own to
  // lean on: its native modules are rebuilt for Electron when it is packaged, and the station runs in a utility
  // process, in the user's data folder (where its config and data dir are).
  const child = app.isPackaged
    ? stationUtilityChildOf(
        utilityProcess.fork(STATION_ENTRY, [], {
          cwd: app.getPath("userData"),
          stdio: "inherit",
          serviceName: "Packbench station"
        })
      )
    : stationChildOf(
        fork(STATION_ENTRY, [], {
          execPath: process.env.PACKBENCH_NODE ?? "node",
          cwd: process.cwd(),
          env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
          stdio: ["ignore", "inherit", "inherit", "ipc"]
        })
      )
  const station = makeStationRelay(child, {
    onReady: (ready) => {
      printoutsDir = ready.printoutsDir
      log(`Packbench station ${ready.siteId}/${ready.stationId} is running.`)
      setConnection("connected")
      window ??= openWindow()
    },
    onPush: (message) => send(IPC_PUSH_CHANNEL, message),
    onFatal: (message) => fail("Packbench could not start", message),
    onExit: (code, expected) => {
      stationClosed = true
      setConnection("disconnected")
      if (!expected)
        fail("The Packbench station stopped", `The station process ended unexpectedly (exit code ${code}).`)
    },
    log
  })

  ipcMain.handle(IPC_CALL_CHANNEL, (event, name: unknown, input: unknown) => {
    const guarded = guardIpcCall(event, name, input)
    if (!guarded.ok) {
      log(`refused an API call: ${guarded.result.ok ? "" : guarded.result.error.message}`)
      return guarded.result
    }
    return station.call(guarded.name, guarded.input)
  })
  ipcMain.handle(IPC_CONNECTION_CHANNEL, (event) => (isAppUrl(event.senderFrame?.url) ? connection : "disconnected"))

  // The station commits to SQLite and may be mid-print: quitting waits for it to close cleanly (bounded by a timeout).
  app.on("before-quit", (event) => {
    if (stationClosed || failed) return
    event.preventDefault()
    station.close(CLOSE_TIMEOUT_MS).then(() => {
      stationClosed = true
      app.quit()
    })
  })
}
