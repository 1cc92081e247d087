/** Cuts a scanner's byte stream into scans by suffix and inter-byte timeout. */
import type { Timestamp } from "../../core/time/Clock.ts"

/** The byte sequence a scanner appends to every read (its "suffix" in the programming guide). */
export type ScanSuffix = "CR" | "LF" | "CRLF" | "TAB" | "none"

export interface ScanFramerOptions {
  readonly suffix: ScanSuffix
  /** Stripped from the start of a frame when present (e.g. "\u0002" STX); frames without it are kept as they are. */
  readonly prefix?: string
  /**
   * Ends a frame after this much silence. Needed when the scanner sends no suffix, and a safety net when it does:
   * a scanner sends a whole read in one burst, so silence means the read is over.
   */
  readonly interByteTimeoutMs?: number
  /** Past this many bytes without a suffix the frame is line noise, not a read: rejected and skipped to the next suffix. */
  readonly maxFrameBytes: number
  /**
   * "utf8" (default) decodes what modern scanners pass through from QR/Data Matrix content, and turns the bytes a
   * wrong baud rate produces into U+FFFD, which the printable check then rejects. "latin1" maps every byte to one
   * character, so the raw bytes stay recoverable from the string; use it for scanners set to a legacy code page.
   */
  readonly encoding: "utf8" | "latin1"
  /** Share of characters that must be printable (GS, RS, EOT, TAB, CR, LF count as printable) for a frame to be a scan. */
  readonly minPrintableRatio: number
}

export const defaultScanFramerOptions: ScanFramerOptions = {
  suffix: "CR",
  interByteTimeoutMs: 100,
  maxFrameBytes: 4096,
  encoding: "utf8",
  minPrintableRatio: 0.9
}

export type FramedScan =
  | { readonly _tag: "Scan"; readonly raw: string; readonly at: Timestamp }
  | { readonly _tag: "Rejected"; readonly reason: string; readonly at: Timestamp }

const CR = 0x0d
const LF = 0x0a
const TAB = 0x09

const monoMs = (at: Timestamp): number => Number(BigInt(at.monoNs) / 1_000_000n)

/**
 * Characters a scanner legitimately sends besides printable text: GS (0x1D) separates GS1 element strings, RS (0x1E)
 * and EOT (0x04) frame ISO/IEC 15434 messages in Data Matrix, TAB/CR/LF appear inside multi-line QR content.
 */
const isPrintable = (code: number): boolean =>
  code === 0x1d ||
  code === 0x1e ||
  code === 0x04 ||
  code === TAB ||
  code === CR ||
  code === LF ||
  (code >= 0x20 && code < 0x7f) ||
  (code >= 0xa0 && code !== 0xfffd)

/**
 * Bytes in, complete scans out, as serialport's delimiter and inter-byte-timeout parsers do it, but pure: the caller
 * passes the arrival stamp of every chunk and calls `expire` when `idleDeadlineMs` passes, so tests need no timers.
 * A scan carries the stamp of the chunk holding its last byte.
 */
export class ScanFramer {
  private pending: Array<number> = []
  private lastAt: Timestamp | undefined
  /** After an overlong frame: drop bytes up to the next suffix, so the noise's tail is not taken for a scan. */
  private skipping = false
  /** Set after a CR that ended a frame under the CR suffix, so the LF of a CRLF-configured scanner is swallowed. */
  private afterCr = false

  constructor(readonly options: ScanFramerOptions) {
    if (options.suffix === "none" && options.interByteTimeoutMs === undefined) {
      throw new TypeError('ScanFramer: suffix "none" needs interByteTimeoutMs, or frames would never end')
    }
    if (!Number.isInteger(options.maxFrameBytes) || options.maxFrameBytes < 1) {
      throw new TypeError(`ScanFramer: maxFrameBytes must be a positive integer, got ${options.maxFrameBytes}`)
    }
    if (options.interByteTimeoutMs !== undefined && !(options.interByteTimeoutMs > 0)) {
      throw new TypeError(`ScanFramer: interByteTimeoutMs must be positive, got ${options.interByteTimeoutMs}`)
    }
    if (!(options.minPrintableRatio >= 0 && options.minPrintableRatio <= 1)) {
      throw new TypeError(`ScanFramer: minPrintableRatio must be between 0 and 1, got ${options.minPrintableRatio}`)
    }
  }

  /** Monotonic millisecond reading at which a pending frame ends for silence, if one is pending. */
  idleDeadlineMs(): number | undefined {
    if (this.options.interByteTimeoutMs === undefined || this.lastAt === undefined) return undefined
    if (this.pending.length === 0 && !this.skipping) return undefined
    return monoMs(this.lastAt) + this.options.interByteTimeoutMs
  }

  /** Ends the pending frame if it has been silent past the inter-byte timeout at monotonic time `nowMs`. */
  expire(nowMs: number): ReadonlyArray<FramedScan> {
    const deadline = this.idleDeadlineMs()
    if (deadline === undefined || nowMs < deadline || this.lastAt === undefined) return []
    this.afterCr = false
    if (this.skipping) {
      this.skipping = false
      return []
    }
    return this.finish(this.lastAt)
  }

  /** Drops a frame cut off by a disconnect; reports it when bytes were pending. */
  reset(reason: string): ReadonlyArray<FramedScan> {
    const at = this.lastAt
    const hadBytes = this.pending.length > 0
    this.pending = []
    this.skipping = false
    this.afterCr = false
    this.lastAt = undefined
    return hadBytes && at !== undefined ? [{ _tag: "Rejected", reason: `incomplete frame dropped: ${reason}`, at }] : []
  }

  push(chunk: Uint8Array, at: Timestamp): ReadonlyArray<FramedScan> {
    const out: Array<FramedScan> = [...this.expire(monoMs(at))]
    this.lastAt = at
    const { suffix, maxFrameBytes } = this.options
    for (const byte of chunk) {
      if (this.afterCr) {
        this.afterCr = false
        if (byte === LF) continue
      }
      if (this.endsFrame(byte)) {
        if (suffix === "CR") this.afterCr = true
        if (this.skipping) {
          this.skipping = false
          this.pending = []
          continue
        }
        if (suffix === "CRLF" || suffix === "LF") this.dropTrailingCr()
        out.push(...this.finish(at))
        continue
      }
      if (this.skipping) continue
      this.pending.push(byte)
      if (this.pending.length > maxFrameBytes) {
        out.push({
          _tag: "Rejected",
          reason: `frame longer than ${maxFrameBytes} bytes without a suffix: line noise or wrong suffix setting`,
          at
        })
        this.pending = []
        this.skipping = true
      }
    }
    return out
  }

  private endsFrame(byte: number): boolean {
    switch (this.options.suffix) {
      case "CR":
        return byte === CR
      case "TAB":
        return byte === TAB
      case "none":
        return false
      default:
        // CRLF ends on the LF; the CR before it is dropped by `dropTrailingCr`.
        return byte === LF
    }
  }

  private dropTrailingCr(): void {
    if (this.pending[this.pending.length - 1] === CR) this.pending.pop()
  }

  private finish(at: Timestamp): ReadonlyArray<FramedScan> {
    const bytes = Uint8Array.from(this.pending)
    this.pending = []
    if (bytes.length === 0) return []
    // Not TextDecoder("latin1"): WHATWG maps that label to windows-1252, which rewrites 0x80-0x9F.
    const text =
      this.options.encoding === "utf8"
        ? new TextDecoder("utf-8").decode(bytes)
        : Array.from(bytes, (byte) => String.fromCharCode(byte)).join("")
    const raw = this.stripPrefix(text)
    if (raw.length === 0) return []
    const codes = Array.from(raw, (char) => char.codePointAt(0) ?? 0)
    const printable = codes.filter(isPrintable).length
    if (printable / codes.length < this.options.minPrintableRatio) {
      const shown = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ")
      return [
        {
          _tag: "Rejected",
          reason: `${codes.length - printable} of ${codes.length} characters are not printable (wrong baud rate or line noise?): ${shown}${bytes.length > 16 ? " ..." : ""}`,
          at
        }
      ]
    }
    return [{ _tag: "Scan", raw, at }]
  }

  private stripPrefix(text: string): string {
    const prefix = this.options.prefix
    return prefix !== undefined && prefix.length > 0 && text.startsWith(prefix) ? text.slice(prefix.length) : text
  }
}
