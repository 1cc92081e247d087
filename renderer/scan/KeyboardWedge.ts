/** The part of a browser KeyboardEvent the wedge detector needs; `timeMs` is the event's timeStamp. */
export interface WedgeKey {
  readonly key: string
  readonly timeMs: number
}

export interface KeyboardWedgeOptions {
  /** Longest pause between two keys of one scanner burst. HID scanners type every 1-20 ms; people 80-300 ms. */
  readonly maxGapMs: number
  /** Shorter bursts are fast human key rollover ("th"), not scans. */
  readonly minLength: number
  /** Keys the scanner sends after a read ("Enter" by default; "Tab" on scanners set up for form fields). */
  readonly terminators: ReadonlyArray<string>
  /** Silence after which a burst without terminator is over; at least `maxGapMs`. */
  readonly burstTimeoutMs: number
}

export const defaultKeyboardWedgeOptions: KeyboardWedgeOptions = {
  maxGapMs: 35,
  minLength: 4,
  terminators: ["Enter", "Tab"],
  burstTimeoutMs: 60
}

export interface WedgeScan {
  readonly raw: string
  /**
   * The keys that made the scan, in order. They already reached whatever had focus (the first keys of a burst look
   * like typing until the next one comes fast), so the UI removes these characters from that field.
   */
  readonly keys: ReadonlyArray<WedgeKey>
  readonly endedBy: "terminator" | "timeout"
}

export interface WedgeResult {
  readonly scans: ReadonlyArray<WedgeScan>
  /** True when this key was the terminator of a scan: the UI should swallow it (no form submit, no focus move). */
  readonly swallow: boolean
}

/**
 * Tells a keyboard-wedge scanner from a person at the keyboard by timing alone: a scan is at least `minLength`
 * characters each following the previous within `maxGapMs`. Pure: the caller feeds key events and calls `expire`
 * after `idleDeadlineMs`, so tests drive it with synthetic times.
 */
export class KeyboardWedge {
  private burst: Array<WedgeKey> = []

  constructor(readonly options: KeyboardWedgeOptions = defaultKeyboardWedgeOptions) {
    if (!(options.maxGapMs > 0))
      throw new TypeError(`KeyboardWedge: maxGapMs must be positive, got ${options.maxGapMs}`)
    if (!Number.isInteger(options.minLength) || options.minLength < 1) {
      throw new TypeError(`KeyboardWedge: minLength must be a positive integer, got ${options.minLength}`)
    }
    if (!(options.burstTimeoutMs >= options.maxGapMs)) {
      throw new TypeError(
        `KeyboardWedge: burstTimeoutMs (${options.burstTimeoutMs}) must be at least maxGapMs (${options.maxGapMs})`
      )
    }
  }

  push(event: WedgeKey): WedgeResult {
    const last = this.burst[this.burst.length - 1]
    const scans: Array<WedgeScan> = []
    if (last !== undefined && event.timeMs - last.timeMs > this.options.maxGapMs) {
      scans.push(...this.finish("timeout"))
    }
    if (this.options.terminators.includes(event.key)) {
      const ended = this.finish("terminator")
      scans.push(...ended)
      return { scans, swallow: ended.length > 0 }
    }
    // Only printable characters have a one-character `key`; Shift (scanners send it for capitals) and other
    // modifiers are neither part of the data nor a break in the burst.
    if ([...event.key].length === 1) this.burst.push(event)
    return { scans, swallow: false }
  }

  /** When to call `expire` if no key comes first. */
  idleDeadlineMs(): number | undefined {
    const last = this.burst[this.burst.length - 1]
    return last === undefined ? undefined : last.timeMs + this.options.burstTimeoutMs
  }

  expire(nowMs: number): ReadonlyArray<WedgeScan> {
    const deadline = this.idleDeadlineMs()
    return deadline !== undefined && nowMs >= deadline ? this.finish("timeout") : []
  }

  private finish(endedBy: WedgeScan["endedBy"]): ReadonlyArray<WedgeScan> {
    const keys = this.burst
    this.burst = []
    if (keys.length < this.options.minLength) return []
    return [{ raw: keys.map((key) => key.key).join(""), keys, endedBy }]
  }
}
