import { EventEmitter } from "node:events"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeEach, describe, expect, it, vi } from "vitest"

type Handler = (...args: Array<never>) => unknown
type Call = (...args: Array<unknown>) => unknown

interface FakeWindowState {
  readonly options: { readonly webPreferences: Record<string, unknown> }
  readonly sent: Array<[string, unknown]>
  readonly loadedUrl: string | undefined
}
type FakeChild = EventEmitter & { readonly sent: Array<unknown>; readonly kill: () => boolean }
type FakeApp = EventEmitter & { readonly quit: () => void; readonly exit: (code: number) => void }

const fake = vi.hoisted(() => {
  const state = {
    app: undefined as unknown as Record<PropertyKey, unknown>,
    windows: [] as Array<FakeWindowState>,
    children: [] as Array<FakeChild>,
    ipcHandlers: new Map<string, Handler>(),
    permissionRequest: undefined as Handler | undefined,
    permissionCheck: undefined as Handler | undefined,
    schemes: [] as Array<unknown>,
    protocolHandlers: new Map<string, Handler>(),
    errors: [] as Array<[string, string]>,
    forks: [] as Array<[string, Array<string>, Record<string, unknown>]>
  }
  return state
})

// The station runs as a plain Node child process (its native modules are built for Node, not Electron).
vi.mock("node:child_process", () => ({
  fork: (modulePath: string, args: Array<string>, options: Record<string, unknown>) => {
    fake.forks.push([modulePath, args, options])
    const child = Object.assign(new EventEmitter(), {
      sent: [] as Array<unknown>,
      connected: true,
      kill: vi.fn(() => true)
    })
    Object.assign(child, { send: (message: unknown) => child.sent.push(message) })
    fake.children.push(child)
    return child
  }
}))

vi.mock("electron", async () => {
  const { EventEmitter } = await import("node:events")
  class FakeWindow extends EventEmitter {
    readonly sent: Array<[string, unknown]> = []
    loadedUrl: string | undefined
    readonly webContents = { send: (channel: string, payload: unknown) => this.sent.push([channel, payload]) }
    constructor(readonly options: FakeWindowState["options"]) {
      super()
      fake.windows.push(this)
    }
    loadURL(url: string) {
      this.loadedUrl = url
      return Promise.resolve()
    }
    isDestroyed = () => false
    isMinimized = () => false
    restore = vi.fn()
    focus = vi.fn()
    show = vi.fn()
  }
  return {
    app: new Proxy({}, { get: (_target, key) => fake.app[key] }),
    BrowserWindow: FakeWindow,
    dialog: { showErrorBox: (title: string, message: string) => fake.errors.push([title, message]) },
    ipcMain: { handle: (channel: string, handler: Handler) => fake.ipcHandlers.set(channel, handler) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: Array<unknown>) => fake.schemes.push(...schemes),
      handle: (scheme: string, handler: Handler) => fake.protocolHandlers.set(scheme, handler)
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: Handler) => {
          fake.permissionRequest = handler
        },
        setPermissionCheckHandler: (handler: Handler) => {
          fake.permissionCheck = handler
        }
      }
    }
  }
})

const { startDesktop } = await import("./main.ts")

/** The handlers main.ts registered, callable with whatever a test hands them (as Electron would). */
const callable = (handler: Handler | undefined): Call => {
  if (handler === undefined) throw new Error("main.ts did not register this handler")
  return handler as unknown as Call
}

const fakeApp = (hasLock = true) => {
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => hasLock,
    whenReady: () => Promise.resolve(),
    quit: vi.fn(),
    exit: vi.fn()
  })
  return app
}

const start = async (options: { hasLock?: boolean; built?: boolean; preloadBuilt?: boolean } = {}) => {
  fake.app = fakeApp(options.hasLock ?? true) as unknown as Record<PropertyKey, unknown>
  const root = mkdtempSync(join(tmpdir(), "packbench-main-"))
  const staticDir = join(root, "dist")
  mkdirSync(staticDir)
  if (options.built ?? true) writeFileSync(join(staticDir, "index.html"), "<!doctype html>")
  const preload = join(root, "preload.cjs")
  if (options.preloadBuilt ?? true) writeFileSync(preload, "")
  const log = vi.fn()
  await startDesktop({ staticDir, preload, log })
  return {
    app: fake.app as unknown as FakeApp & Record<string, ReturnType<typeof vi.fn>>,
    child: fake.children[0]!,
    log
  }
}

const ready = (child: EventEmitter) =>
  child.emit("message", { kind: "ready", siteId: "S1", stationId: "B1", printoutsDir: "/data/printouts" })

const appEvent = { senderFrame: { url: "app://packbench/index.html", parent: null } }

beforeEach(() => {
  fake.windows.length = 0
  fake.children.length = 0
  fake.ipcHandlers.clear()
  fake.protocolHandlers.clear()
  fake.schemes.length = 0
  fake.errors.length = 0
  fake.forks.length = 0
  fake.permissionRequest = undefined
  fake.permissionCheck = undefined
})

describe("startDesktop", () => {
  it("forks the station process and opens one locked-down window on the app origin once it is ready", async () => {
    const { child } = await start()
    expect(fake.schemes).toEqual([{ scheme: "app", privileges: { standard: true, secure: true } }])
    expect(fake.forks[0]?.[0]).toMatch(/electron[/\\]stationProcess\.mjs$/)
    expect(fake.forks[0]?.[2]).toMatchObject({ stdio: ["ignore", "inherit", "inherit", "ipc"] })
    expect(fake.windows).toHaveLength(0)
    ready(child)
    expect(fake.windows).toHaveLength(1)
    const window = fake.windows[0]!
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true
    })
    expect(window.options.webPreferences.preload).toMatch(/preload\.cjs$/)
    expect(window.loadedUrl).toBe("app://packbench/index.html")
    expect(fake.protocolHandlers.has("app")).toBe(true)
  })

  it("relays a valid call to the station with an id and returns its result", async () => {
    const { child } = await start()
    ready(child)
    const handler = callable(fake.ipcHandlers.get("api:call"))
    const answer = handler(appEvent, "session.signIn", { badge: "B-1" })
    expect(child.sent).toEqual([{ kind: "call", id: 1, name: "session.signIn", input: { badge: "B-1" } }])
    child.emit("message", { kind: "result", id: 1, result: { ok: true, value: { name: "Ada" } } })
    expect(await answer).toEqual({ ok: true, value: { name: "Ada" } })
  })

  it("answers a malformed or foreign call with an error envelope; the station never sees it", async () => {
    const { child } = await start()
    ready(child)
    const handler = callable(fake.ipcHandlers.get("api:call"))
    expect(await handler(appEvent, "session.signIn", { badge: 7 })).toMatchObject({
      ok: false,
      error: { code: "invalid-input" }
    })
    expect(await handler(appEvent, "shell.exec", {})).toMatchObject({ ok: false, error: { code: "unknown-command" } })
    const foreign = { senderFrame: { url: "https://evil.example/", parent: null } }
    expect(await handler(foreign, "station.status", {})).toMatchObject({
      ok: false,
      error: { code: "forbidden-sender" }
    })
    expect(child.sent).toEqual([])
  })

  it("relays pushes and connection changes to the window", async () => {
    const { child } = await start()
    ready(child)
    child.emit("message", { kind: "push", message: { name: "scan", payload: { raw: "x" } } })
    expect(fake.windows[0]?.sent).toContainEqual(["api:push", { name: "scan", payload: { raw: "x" } }])
    expect(await callable(fake.ipcHandlers.get("api:connection"))(appEvent)).toBe("connected")
  })

  it("shows the station's startup error in a dialog and exits 1 without opening a window", async () => {
    const { app, child } = await start()
    child.emit("message", {
      kind: "fatal",
      message: "Configuration in packbench.config.json is not valid:\nhttp.port: …"
    })
    child.emit("exit", 1)
    expect(fake.errors).toEqual([
      ["Packbench could not start", "Configuration in packbench.config.json is not valid:\nhttp.port: …"]
    ])
    expect(app.exit).toHaveBeenCalledWith(1)
    expect(fake.windows).toHaveLength(0)
  })

  it("refuses to start without a built UI", async () => {
    const { app } = await start({ built: false })
    expect(fake.errors[0]?.[1]).toMatch(/npm run build:ui/)
    expect(app.exit).toHaveBeenCalledWith(1)
    expect(fake.forks).toHaveLength(0)
  })

  it("refuses to start without the preload built at build time", async () => {
    const { app } = await start({ preloadBuilt: false })
    expect(fake.errors[0]?.[1]).toMatch(/npm run build:preload/)
    expect(app.exit).toHaveBeenCalledWith(1)
    expect(fake.forks).toHaveLength(0)
  })

  it("hardens every WebContents and grants only the camera", async () => {
    const { app } = await start()
    const handlers: Map<string, Handler> = new Map()
    const contents = {
      on: (event: string, handler: Handler) => handlers.set(event, handler),
      setWindowOpenHandler: (handler: Handler) => handlers.set("open", handler)
    }
    app.emit("web-contents-created", {}, contents)
    const navigation = { url: "https://example.com/", preventDefault: vi.fn() }
    callable(handlers.get("will-navigate"))(navigation)
    expect(navigation.preventDefault).toHaveBeenCalled()
    expect(callable(handlers.get("open"))({ url: "https://example.com/" })).toEqual({ action: "deny" })

    const granted: Array<boolean> = []
    const page = "app://packbench/index.html"
    callable(fake.permissionRequest)({}, "media", (ok: boolean) => granted.push(ok), {
      requestingUrl: page,
      mediaTypes: ["video"]
    })
    callable(fake.permissionRequest)({}, "notifications", (ok: boolean) => granted.push(ok), { requestingUrl: page })
    callable(fake.permissionRequest)({}, "geolocation", (ok: boolean) => granted.push(ok), { requestingUrl: page })
    expect(granted).toEqual([true, false, false])
    expect(callable(fake.permissionCheck)({}, "media", "app://packbench", { mediaType: "video" })).toBe(true)
  })

  it("closes the station before quitting", async () => {
    const { app, child } = await start()
    ready(child)
    const event = { preventDefault: vi.fn() }
    app.emit("before-quit", event)
    expect(event.preventDefault).toHaveBeenCalled()
    expect(child.sent).toEqual([{ kind: "close" }])
    expect(app.quit).not.toHaveBeenCalled()
    child.emit("exit", 0)
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled())
    expect(fake.errors).toEqual([])
  })

  it("defers to the running instance when the single-instance lock is taken", async () => {
    const { app } = await start({ hasLock: false })
    expect(app.quit).toHaveBeenCalled()
    expect(fake.forks).toHaveLength(0)
  })
})
