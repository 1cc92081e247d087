import { existsSync } from "node:fs"
import { Effect, Schema, type Scope } from "effect"
import { SerialPort } from "serialport"
import type { RawScan, ScannerDevice, ScannerState } from "../../core/scan/Scanner.ts"
import { ScannerError } from "../../core/scan/Scanner.ts"
import type { FramedScan, ScanFramerOptions } from "./ScanFramer.ts"
import { defaultScanFramerOptions, ScanFramer } from "./ScanFramer.ts"
import { TimedFramer } from "./TimedFramer.ts"

/** Rates scanners' programming guides offer; anything else is a typo, and a wrong rate only ever yields garbage. */
const baudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400] as const

const FramingOptions = Schema.Struct({
  suffix: Schema.optionalKey(Schema.Literals(["CR", "LF", "CRLF", "TAB", "none"])),
  prefix: Schema.optionalKey(Schema.String),
  interByteTimeoutMs: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0))),
  maxFrameBytes: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  encoding: Schema.optionalKey(Schema.Literals(["utf8", "latin1"])),
  minPrintableRatio: Schema.optionalKey(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
})

export const SerialScannerOptions = Schema.Struct({
  id: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  path: Schema.String.check(Schema.isNonEmpty()),
  baudRate: Schema.Literals(baudRates),
  dataBits: Schema.optionalKey(Schema.Literals([5, 6, 7, 8])),
  parity: Schema.optionalKey(Schema.Literals(["none", "even", "odd", "mark", "space"])),
  stopBits: Schema.optionalKey(Schema.Literals([1, 1.5, 2])),
  framing: Schema.optionalKey(FramingOptions),
  /** Delay before the first reopen after an unplug; it doubles up to `reconnectMaxMs`. */
  reconnectInitialMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  reconnectMaxMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
})
export type SerialScannerOptions = typeof SerialScannerOptions.Type

/** Why a session with the port ended, and whether it had been open (which resets the backoff). */
interface SessionEnd {
  readonly opened: boolean
  readonly reason: string
}

/**
 * A scanner on a serial line (RS-232, or USB in CDC/virtual COM mode). Opening fails only for options that can never
 * work; a missing or vanished port is an unplugged scanner, reported as `Disconnected` and retried with backoff.
 */
export class SerialScanner implements ScannerDevice {
  readonly id: string
  readonly description: string

  private constructor(
    private readonly options: SerialScannerOptions,
    private readonly framing: ScanFramerOptions
  ) {
    this.id = options.id ?? `serial:${options.path}`
    const parity = (options.parity ?? "none").charAt(0).toUpperCase()
    this.description = `Serial scanner on ${options.path} (${options.baudRate} ${options.dataBits ?? 8}${parity}${options.stopBits ?? 1})`
  }

  /** Rejects bad options at once, naming each wrong field, as serialport's constructor does. */
  static readonly make = Effect.fn("SerialScanner.make")(function* (input: unknown) {
    const deviceId = Schema.is(Schema.Struct({ path: Schema.String }))(input) ? `serial:${input.path}` : "serial"
    const options = yield* Schema.decodeUnknownEffect(SerialScannerOptions)(input, { errors: "all" }).pipe(
      Effect.mapError(
        (error) => new ScannerError({ deviceId, message: `invalid serial scanner options:\n${error.message}` })
      )
    )
    const framing: ScanFramerOptions = { ...defaultScanFramerOptions, ...options.framing }
    yield* Effect.try({
      try: () => new ScanFramer(framing),
      catch: (error) => new ScannerError({ deviceId, message: `invalid serial scanner options: ${String(error)}` })
    })
    if ((options.reconnectMaxMs ?? 5000) < (options.reconnectInitialMs ?? 250)) {
      return yield* new ScannerError({
        deviceId,
        message: "invalid serial scanner options: reconnectMaxMs < reconnectInitialMs"
      })
    }
    return new SerialScanner(options, framing) as ScannerDevice
  })

  readonly run = (handlers: {
    readonly onScan: (scan: RawScan) => void
    readonly onState: (state: ScannerState) => void
  }): Effect.Effect<void, ScannerError, Scope.Scope> => {
    const initialMs = this.options.reconnectInitialMs ?? 250
    const maxMs = this.options.reconnectMaxMs ?? 5000
    let lastDisconnect: string | undefined
    const supervise = Effect.gen({ self: this }, function* () {
      let delayMs = initialMs
      while (true) {
        const end = yield* this.session(handlers, () => {
          lastDisconnect = undefined
          handlers.onState({ _tag: "Connected" })
        })
        if (end.opened) delayMs = initialMs
        // Reported once per outage, not on every failed reopen, so the UI shows one event per unplug.
        if (end.reason !== lastDisconnect) {
          lastDisconnect = end.reason
          handlers.onState({ _tag: "Disconnected", reason: end.reason })
        }
        yield* Effect.sleep(delayMs)
        delayMs = Math.min(delayMs * 2, maxMs)
      }
    })
    return Effect.asVoid(Effect.forkScoped(supervise))
  }

  /** One open of the port, lasting until it closes or errors; interruption closes it. */
  private session(
    handlers: { readonly onScan: (scan: RawScan) => void; readonly onState: (state: ScannerState) => void },
    onOpen: () => void
  ): Effect.Effect<SessionEnd> {
    return Effect.callback<SessionEnd>((resume) => {
      let ended = false
      const framer = new TimedFramer(this.framing, (events: ReadonlyArray<FramedScan>) => {
        for (const event of events) {
          if (event._tag === "Scan") handlers.onScan({ raw: event.raw, deviceId: this.id, at: event.at })
          else handlers.onState({ _tag: "Rejected", reason: event.reason })
        }
      })
      const port = new SerialPort({
        path: this.options.path,
        baudRate: this.options.baudRate,
        dataBits: this.options.dataBits ?? 8,
        parity: this.options.parity ?? "none",
        stopBits: this.options.stopBits ?? 1,
        autoOpen: false
      })
      // The device node vanishes when a USB scanner is pulled (and socat removes its link), but the open file may
      // report nothing for seconds: watching the path notices the unplug at once.
      const watchdog = setInterval(() => {
        if (!existsSync(this.options.path)) end(port.isOpen, `unplugged: ${this.options.path} is gone`)
      }, 250)
      const end = (opened: boolean, reason: string) => {
        if (ended) return
        ended = true
        clearInterval(watchdog)
        framer.reset(reason)
        port.removeAllListeners()
        // A late error from the dying port must not become an unhandled 'error' event.
        port.on("error", () => {})
        if (port.isOpen) port.close(() => {})
        resume(Effect.succeed({ opened, reason }))
      }
      port.on("data", (chunk: Buffer) => framer.push(chunk))
      port.on("close", (error: (Error & { disconnected?: boolean }) | null) => {
        end(true, error?.disconnected ? `unplugged: ${error.message}` : (error?.message ?? "port closed"))
      })
      port.on("error", (error: Error) => end(port.isOpen, `port error: ${error.message}`))
      port.open((error) => {
        if (error) end(false, `cannot open ${this.options.path}: ${error.message}`)
        else if (!ended) onOpen()
      })
      return Effect.sync(() => {
        ended = true
        clearInterval(watchdog)
        framer.dispose()
        port.removeAllListeners()
        port.on("error", () => {})
        if (port.isOpen) port.close(() => {})
      })
    })
  }
}
