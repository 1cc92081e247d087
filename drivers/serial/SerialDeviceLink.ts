/** A serial line that reopens after an unplug, shared by the scanner and scale drivers. */
import { existsSync } from "node:fs"
import { Effect, Schema, type Scope } from "effect"
import { SerialPort } from "serialport"

/** How to open the line, and how patiently to reopen it after an unplug. */
export interface SerialLineOptions {
  readonly path: string
  readonly baudRate: number
  readonly dataBits?: 5 | 6 | 7 | 8
  readonly parity?: "none" | "even" | "odd" | "mark" | "space"
  readonly stopBits?: 1 | 1.5 | 2
  readonly reconnectInitialMs?: number
  readonly reconnectMaxMs?: number
}

/** The reconnect fields every serial device's options share; the device's own schema spreads them in. */
export const reconnectOptionFields = {
  /** Delay before the first reopen after an unplug; it doubles up to `reconnectMaxMs`. */
  reconnectInitialMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  reconnectMaxMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
}

const defaultReconnectInitialMs = 250
const defaultReconnectMaxMs = 5000

/** What is wrong with a backoff whose ceiling lies below its first delay, or undefined when nothing is. */
export const backoffProblem = (options: SerialLineOptions): string | undefined =>
  (options.reconnectMaxMs ?? defaultReconnectMaxMs) < (options.reconnectInitialMs ?? defaultReconnectInitialMs)
    ? "reconnectMaxMs < reconnectInitialMs"
    : undefined

/** The line settings as a device's manual writes them, e.g. `9600 8N1`. */
export const describeLine = (options: SerialLineOptions): string =>
  `${options.baudRate} ${options.dataBits ?? 8}${(options.parity ?? "none").charAt(0).toUpperCase()}${options.stopBits ?? 1}`

/** The states the link itself knows; a protocol adds its own (a rejected read, a fault) beside them. */
export type SerialLinkState =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "Disconnected"; readonly reason: string }

/** The open port as a protocol sees it: it may send commands and ask whether the port is still open. */
export interface SerialLinkPort {
  readonly isOpen: boolean
  readonly write: (data: string) => unknown
}

/** A protocol's side of one open of the port; a new one is made for every reopen. */
export interface SerialSession {
  /** Bytes as they arrive. */
  readonly onData: (chunk: Buffer) => void
  /** Right after the port opened and `Connected` was reported. */
  readonly onOpen?: () => void
  /** Every watchdog tick while the port is open and its path still exists. */
  readonly onTick?: () => void
  /**
   * Once per session, also one whose port never opened, before the port is closed (it may still be open for last
   * words): `reason` says why the session ended, and is undefined when the device was stopped.
   */
  readonly onClose?: (reason: string | undefined) => void
}

/** Why a session with the port ended, and whether it had been open (which resets the backoff). */
interface SessionEnd {
  readonly opened: boolean
  readonly reason: string
}

/**
 * A serial device's connection: opens the port, watches its path, reopens it with backoff after an unplug, and
 * reports `Connected` on each open and `Disconnected` once per outage. What the bytes mean is the session's business.
 * A missing or vanished port is an unplugged device, never a failure.
 */
export class SerialDeviceLink {
  /** `watchMs`: how often the path is checked (and the session's `onTick` runs). */
  constructor(
    private readonly line: SerialLineOptions,
    private readonly watchMs = 250
  ) {}

  readonly run = (consumer: {
    readonly onState: (state: SerialLinkState) => void
    readonly openSession: (port: SerialLinkPort) => SerialSession
  }): Effect.Effect<void, never, Scope.Scope> => {
    const initialMs = this.line.reconnectInitialMs ?? defaultReconnectInitialMs
    const maxMs = this.line.reconnectMaxMs ?? defaultReconnectMaxMs
    // An outage lasts from a session's end until the next open; the first end (a missing port at start too) tells it.
    let inOutage = false
    const supervise = Effect.gen({ self: this }, function* () {
      let delayMs = initialMs
      while (true) {
        const end = yield* this.session(consumer.openSession, () => {
          inOutage = false
          consumer.onState({ _tag: "Connected" })
        })
        if (end.opened) delayMs = initialMs
        // Reported once per outage, with why it began, not on every failed reopen (whose reason, "cannot open", differs
        // from the unplug's), so the UI shows one event per unplug.
        if (!inOutage) {
          inOutage = true
          consumer.onState({ _tag: "Disconnected", reason: end.reason })
        }
        yield* Effect.sleep(delayMs)
        delayMs = Math.min(delayMs * 2, maxMs)
      }
    })
    return Effect.asVoid(Effect.forkScoped(supervise))
  }

  /** One open of the port, lasting until it closes or errors; interruption closes it. */
  private session(openSession: (port: SerialLinkPort) => SerialSession, onOpen: () => void): Effect.Effect<SessionEnd> {
    const { path } = this.line
    return Effect.callback<SessionEnd>((resume) => {
      let ended = false
      const port = new SerialPort({
        path,
        baudRate: this.line.baudRate,
        dataBits: this.line.dataBits ?? 8,
        parity: this.line.parity ?? "none",
        stopBits: this.line.stopBits ?? 1,
        autoOpen: false
      })
      const session = openSession(port)
      // The device node vanishes when a USB device is pulled (and socat removes its link), but the open file may
      // report nothing for seconds: watching the path notices the unplug at once.
      const watchdog = setInterval(() => {
        if (!existsSync(path)) end(port.isOpen, `unplugged: ${path} is gone`)
        else if (port.isOpen) session.onTick?.()
      }, this.watchMs)
      const close = (reason: string | undefined) => {
        clearInterval(watchdog)
        session.onClose?.(reason)
        port.removeAllListeners()
        // A late error from the dying port must not become an unhandled 'error' event.
        port.on("error", () => {})
        if (port.isOpen) port.close(() => {})
      }
      const end = (opened: boolean, reason: string) => {
        if (ended) return
        ended = true
        close(reason)
        resume(Effect.succeed({ opened, reason }))
      }
      port.on("data", (chunk: Buffer) => session.onData(chunk))
      port.on("close", (error: (Error & { disconnected?: boolean }) | null) => {
        end(true, error?.disconnected ? `unplugged: ${error.message}` : (error?.message ?? "port closed"))
      })
      port.on("error", (error: Error) => end(port.isOpen, `port error: ${error.message}`))
      port.open((error) => {
        if (error) end(false, `cannot open ${path}: ${error.message}`)
        else if (!ended) {
          onOpen()
          session.onOpen?.()
        }
      })
      return Effect.sync(() => {
        ended = true
        close(undefined)
      })
    })
  }
}
