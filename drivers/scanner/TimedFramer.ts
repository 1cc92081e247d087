/** Runs a ScanFramer in real time, ending frames on a timer. */
import type { FramedScan, ScanFramerOptions } from "./ScanFramer.ts"
import { ScanFramer } from "./ScanFramer.ts"
import { monotonicMs, stampArrival } from "./stampArrival.ts"

/**
 * A `ScanFramer` driven by real time: stamps each chunk as it arrives and runs the inter-byte timeout on a timer, so
 * a scanner that sends no suffix still gets its frames ended. One per open port.
 */
export class TimedFramer {
  private readonly framer: ScanFramer
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    options: ScanFramerOptions,
    private readonly deliver: (events: ReadonlyArray<FramedScan>) => void
  ) {
    this.framer = new ScanFramer(options)
  }

  push(chunk: Uint8Array): void {
    this.deliver(this.framer.push(chunk, stampArrival()))
    this.arm()
  }

  /** Stops the timer and reports a frame the disconnect cut off. */
  reset(reason: string): void {
    this.dispose()
    this.deliver(this.framer.reset(reason))
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    this.dispose()
    const deadline = this.framer.idleDeadlineMs()
    if (deadline === undefined) return
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.deliver(this.framer.expire(monotonicMs()))
        this.arm()
      },
      Math.max(0, deadline - monotonicMs())
    )
  }
}
