/** The scanner driver for barcode scanners on a serial line. */
import { Effect, Schema, type Scope } from "effect"
import type { RawScan, ScannerDevice, ScannerState } from "../../core/scan/Scanner.ts"
import { ScannerError } from "../../core/scan/Scanner.ts"
import { backoffProblem, describeLine, reconnectOptionFields, SerialDeviceLink } from "../serial/SerialDeviceLink.ts"
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
  ...reconnectOptionFields
})
export type SerialScannerOptions = typeof SerialScannerOptions.Type

/**
 * A scanner on a serial line (RS-232, or USB in CDC/virtual COM mode). Opening fails only for options that can never
 * work; a missing or vanished port is an unplugged scanner, reported as `Disconnected` and retried with backoff.
 */
export class SerialScanner implements ScannerDevice {
  readonly id: string
  readonly description: string
  private readonly link: SerialDeviceLink

  private constructor(
    options: SerialScannerOptions,
    private readonly framing: ScanFramerOptions
  ) {
    this.id = options.id ?? `serial:${options.path}`
    this.description = `Serial scanner on ${options.path} (${describeLine(options)})`
    this.link = new SerialDeviceLink(options)
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
    const backoff = backoffProblem(options)
    if (backoff !== undefined) {
      return yield* new ScannerError({ deviceId, message: `invalid serial scanner options: ${backoff}` })
    }
    return new SerialScanner(options, framing) as ScannerDevice
  })

  readonly run = (handlers: {
    readonly onScan: (scan: RawScan) => void
    readonly onState: (state: ScannerState) => void
  }): Effect.Effect<void, ScannerError, Scope.Scope> =>
    this.link.run({
      onState: handlers.onState,
      openSession: () => {
        const framer = new TimedFramer(this.framing, (events: ReadonlyArray<FramedScan>) => {
          for (const event of events) {
            if (event._tag === "Scan") handlers.onScan({ raw: event.raw, deviceId: this.id, at: event.at })
            else handlers.onState({ _tag: "Rejected", reason: event.reason })
          }
        })
        return {
          onData: (chunk) => framer.push(chunk),
          // A read the disconnect cut off is reported as rejected; a stopped scanner just drops it.
          onClose: (reason) => {
            if (reason === undefined) framer.dispose()
            else framer.reset(reason)
          }
        }
      }
    })
}
