import { existsSync } from "node:fs"
import { Effect, Schema, type Scope } from "effect"
import { SerialPort } from "serialport"
import type { ScaleDevice, ScaleReading, ScaleState } from "../../core/pack/Scale.ts"
import { ScaleError } from "../../core/pack/Scale.ts"
import type { Timestamp } from "../../core/time/Clock.ts"
import { stampArrival } from "../scanner/stampArrival.ts"
import { parseMtSicsLine, RESET, SEND_IMMEDIATELY, SEND_REPEATEDLY } from "./MtSics.ts"

/** Rates MT-SICS terminals offer (the factory setting is 9600 8N1). */
const baudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const

/** A reply longer than this is no MT-SICS line (the longest, `I4`'s serial number, is under 40 characters). */
const MAX_LINE_BYTES = 256

export const SerialScaleOptions = Schema.Struct({
  id: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  path: Schema.String.check(Schema.isNonEmpty()),
  baudRate: Schema.Literals(baudRates),
  dataBits: Schema.optionalKey(Schema.Literals([7, 8])),
  parity: Schema.optionalKey(Schema.Literals(["none", "even", "odd"])),
  stopBits: Schema.optionalKey(Schema.Literals([1, 2])),
  protocol: Schema.Literal("mt-sics"),
  /** Ask once with `SIR` and let the scale stream, instead of polling with `SI`. */
  continuous: Schema.optionalKey(Schema.Boolean),
  pollMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(50))),
  /** Silence longer than this after a command (or between streamed lines) is reported as a fault. */
  answerTimeoutMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  /** Delay before the first reopen after an unplug; it doubles up to `reconnectMaxMs`. */
  reconnectInitialMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
  reconnectMaxMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
})
export type SerialScaleOptions = typeof SerialScaleOptions.Type

type Handlers = {
  readonly onReading: (reading: ScaleReading) => void
  readonly onState: (state: ScaleState) => void
}

interface SessionEnd {
  readonly opened: boolean
  readonly reason: string
}

/**
 * A scale on a serial line speaking MT-SICS. It polls `SI` (or streams with `SIR`), turns each reply into a reading
 * in grams stamped when its first byte arrived, and reports overload, underload, error codes, garbage and silence as
 * faults with a reason the operator can act on. An unplugged scale is `Disconnected` and reopened with backoff.
 */
export class SerialScale implements ScaleDevice {
  readonly id: string
  readonly description: string

  private constructor(private readonly options: SerialScaleOptions) {
    this.id = options.id ?? `serial:${options.path}`
    const parity = (options.parity ?? "none").charAt(0).toUpperCase()
    this.description = `MT-SICS scale on ${options.path} (${options.baudRate} ${options.dataBits ?? 8}${parity}${options.stopBits ?? 1}, ${options.continuous ? "continuous" : "polled"})`
  }

  /** Rejects bad options at once, naming each wrong field. */
  static readonly make = Effect.fn("SerialScale.make")(function* (input: unknown) {
    const deviceId = Schema.is(Schema.Struct({ path: Schema.String }))(input) ? `serial:${input.path}` : "serial"
    const options = yield* Schema.decodeUnknownEffect(SerialScaleOptions)(input, { errors: "all" }).pipe(
      Effect.mapError(
        (error) => new ScaleError({ deviceId, message: `invalid serial scale options:\n${error.message}` })
      )
    )
    if ((options.reconnectMaxMs ?? 5000) < (options.reconnectInitialMs ?? 250)) {
      return yield* new ScaleError({
        deviceId,
        message: "invalid serial scale options: reconnectMaxMs < reconnectInitialMs"
      })
    }
    return new SerialScale(options) as ScaleDevice
  })

  readonly run = (handlers: Handlers): Effect.Effect<void, ScaleError, Scope.Scope> => {
    const initialMs = this.options.reconnectInitialMs ?? 250
    const maxMs = this.options.reconnectMaxMs ?? 5000
    let lastDisconnect: string | undefined
    const supervise = Effect.gen({ self: this }, function* () {
      let delayMs = initialMs
      while (true) {
        const end = yield* this.session(handlers, () => {
          lastDisconnect = undefined
        })
        if (end.opened) delayMs = initialMs
        // Once per outage, not on every failed reopen.
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
  private session(handlers: Handlers, onOpen: () => void): Effect.Effect<SessionEnd> {
    const { path, continuous } = this.options
    const pollMs = this.options.pollMs ?? 250
    const answerTimeoutMs = this.options.answerTimeoutMs ?? 2000
    return Effect.callback<SessionEnd>((resume) => {
      let ended = false
      let line: Array<number> = []
      let lineStart: Timestamp | undefined
      let overlong = false
      let lastHeardMs = Date.now()
      let askedAtMs: number | undefined
      // States are reported on change only: a fault repeated by every poll is one message, not four a second.
      let reported: string | undefined
      const report = (state: ScaleState) => {
        const key = state._tag === "Connected" ? "Connected" : `${state._tag}:${state.reason}`
        if (key === reported) return
        reported = key
        handlers.onState(state)
      }

      const port = new SerialPort({
        path,
        baudRate: this.options.baudRate,
        dataBits: this.options.dataBits ?? 8,
        parity: this.options.parity ?? "none",
        stopBits: this.options.stopBits ?? 1,
        autoOpen: false
      })
      const send = (command: string) => {
        askedAtMs = Date.now()
        port.write(command)
      }

      const onLine = (text: string, at: Timestamp) => {
        lastHeardMs = Date.now()
        askedAtMs = undefined
        const reply = parseMtSicsLine(text)
        if (reply._tag === "Weight") {
          report({ _tag: "Connected" })
          handlers.onReading({ deviceId: this.id, grams: reply.grams, stable: reply.stable, at })
        } else if (reply._tag === "Fault") {
          report({ _tag: "Fault", reason: reply.reason })
        }
      }

      const onData = (chunk: Buffer) => {
        const at = stampArrival()
        for (const byte of chunk) {
          if (byte === 0x0a) {
            const bytes = line
            const started = lineStart ?? at
            const tooLong = overlong
            line = []
            lineStart = undefined
            overlong = false
            if (tooLong) {
              lastHeardMs = Date.now()
              report({
                _tag: "Fault",
                reason: `not an MT-SICS reply: a line of more than ${MAX_LINE_BYTES} bytes (check the baud rate)`
              })
              continue
            }
            const text = Buffer.from(bytes).toString("latin1").replace(/\r$/, "")
            if (text.trim() !== "") onLine(text, started)
            continue
          }
          lineStart ??= at
          if (line.length >= MAX_LINE_BYTES) overlong = true
          else line.push(byte)
        }
      }

      // The device node vanishes when a USB scale is pulled (and socat removes its link), but the open file may report
      // nothing for seconds: watching the path notices the unplug at once. The same tick drives polling and silence.
      const ticker = setInterval(
        () => {
          if (!existsSync(path)) {
            end(port.isOpen, `unplugged: ${path} is gone`)
            return
          }
          if (!port.isOpen) return
          const now = Date.now()
          const waitingSince = continuous ? lastHeardMs : askedAtMs
          if (waitingSince !== undefined && now - waitingSince > answerTimeoutMs) {
            report({
              _tag: "Fault",
              reason: `no answer from the scale for ${answerTimeoutMs} ms: is it switched on, set to MT-SICS at ${this.options.baudRate} baud?`
            })
            lastHeardMs = now
            send(continuous ? SEND_REPEATEDLY : SEND_IMMEDIATELY)
          } else if (!continuous && askedAtMs === undefined && now - lastHeardMs >= pollMs) {
            send(SEND_IMMEDIATELY)
          }
        },
        Math.min(pollMs, 250)
      )

      const close = () => {
        clearInterval(ticker)
        port.removeAllListeners()
        // A late error from the dying port must not become an unhandled 'error' event.
        port.on("error", () => {})
        if (port.isOpen) {
          if (continuous) port.write(RESET)
          port.close(() => {})
        }
      }
      const end = (opened: boolean, reason: string) => {
        if (ended) return
        ended = true
        close()
        resume(Effect.succeed({ opened, reason }))
      }
      port.on("data", onData)
      port.on("close", (error: (Error & { disconnected?: boolean }) | null) => {
        end(true, error?.disconnected ? `unplugged: ${error.message}` : (error?.message ?? "port closed"))
      })
      port.on("error", (error: Error) => end(port.isOpen, `port error: ${error.message}`))
      port.open((error) => {
        if (error) {
          end(false, `cannot open ${path}: ${error.message}`)
          return
        }
        if (ended) return
        onOpen()
        report({ _tag: "Connected" })
        lastHeardMs = Date.now()
        send(continuous ? SEND_REPEATEDLY : SEND_IMMEDIATELY)
      })
      return Effect.sync(() => {
        ended = true
        close()
      })
    })
  }
}
