/** The scale driver for MT-SICS scales on a serial line. */
import { Effect, Schema, type Scope } from "effect"
import type { ScaleDevice, ScaleReading, ScaleState } from "../../core/pack/Scale.ts"
import { ScaleError } from "../../core/pack/Scale.ts"
import type { Timestamp } from "../../core/time/Clock.ts"
import { stampArrival } from "../scanner/stampArrival.ts"
import {
  backoffProblem,
  describeLine,
  reconnectOptionFields,
  SerialDeviceLink,
  type SerialLinkPort,
  type SerialSession
} from "../serial/SerialDeviceLink.ts"
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
  ...reconnectOptionFields
})
export type SerialScaleOptions = typeof SerialScaleOptions.Type

type Handlers = {
  readonly onReading: (reading: ScaleReading) => void
  readonly onState: (state: ScaleState) => void
}

/**
 * A scale on a serial line speaking MT-SICS. It polls `SI` (or streams with `SIR`), turns each reply into a reading
 * in grams stamped when its first byte arrived, and reports overload, underload, error codes, garbage and silence as
 * faults with a reason the operator can act on. An unplugged scale is `Disconnected` and reopened with backoff.
 */
export class SerialScale implements ScaleDevice {
  readonly id: string
  readonly description: string
  private readonly link: SerialDeviceLink

  private constructor(private readonly options: SerialScaleOptions) {
    this.id = options.id ?? `serial:${options.path}`
    this.description = `MT-SICS scale on ${options.path} (${describeLine(options)}, ${options.continuous ? "continuous" : "polled"})`
    this.link = new SerialDeviceLink(options, Math.min(options.pollMs ?? 250, 250))
  }

  /** Rejects bad options at once, naming each wrong field. */
  static readonly make = Effect.fn("SerialScale.make")(function* (input: unknown) {
    const deviceId = Schema.is(Schema.Struct({ path: Schema.String }))(input) ? `serial:${input.path}` : "serial"
    const options = yield* Schema.decodeUnknownEffect(SerialScaleOptions)(input, { errors: "all" }).pipe(
      Effect.mapError(
        (error) => new ScaleError({ deviceId, message: `invalid serial scale options:\n${error.message}` })
      )
    )
    const backoff = backoffProblem(options)
    if (backoff !== undefined) {
      return yield* new ScaleError({ deviceId, message: `invalid serial scale options: ${backoff}` })
    }
    return new SerialScale(options) as ScaleDevice
  })

  readonly run = (handlers: Handlers): Effect.Effect<void, ScaleError, Scope.Scope> =>
    this.link.run({ onState: handlers.onState, openSession: (port) => this.session(port, handlers) })

  /** The MT-SICS side of one open of the port: frames replies into lines, polls, and notices silence. */
  private session(port: SerialLinkPort, handlers: Handlers): SerialSession {
    const { continuous } = this.options
    const pollMs = this.options.pollMs ?? 250
    const answerTimeoutMs = this.options.answerTimeoutMs ?? 2000
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

    return {
      onData: (chunk) => {
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
      },
      onOpen: () => {
        // The link has just reported `Connected`.
        reported = "Connected"
        lastHeardMs = Date.now()
        send(continuous ? SEND_REPEATEDLY : SEND_IMMEDIATELY)
      },
      // The link's watchdog tick also drives polling and the silence check.
      onTick: () => {
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
      // A streaming scale keeps streaming into a closed port until told to stop.
      onClose: () => {
        if (continuous && port.isOpen) port.write(RESET)
      }
    }
  }
}
