/** A React hook for single-key choices that a scanner burst must not trigger. */
import { useCallback, useEffect, useRef } from "react"

export interface SingleKeyHandlers {
  /** One digit pressed on its own, not part of a scanner burst. */
  readonly onDigit: (digit: number) => void
  /** Any other key outside a field; true when it was used (its default is then prevented). */
  readonly onKey: (key: string) => boolean
}

/**
 * A lone key must stand apart from its neighbours by this much to count as a person's: HID scanners type a key every
 * few milliseconds, and the fastest person needs more than this between two keys.
 */
const LONE_KEY_GAP_MS = 120
/** The digit waits this long (wall time) for a following key that would make it the start of a burst. */
const SETTLE_MS = 250

const isField = (element: Element | null) =>
  element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement

/**
 * Single-key choices outside any field ("1" = new/sealed). A scanner burst starts with the same digits and reaches
 * the page before the wedge listener recognises it, so a digit only counts once no key came shortly before it
 * (by the events' timestamps) or shortly after it; a recognised scan (`scanId` changes) drops a waiting digit too.
 */
export const useSingleKeys = (handlers: SingleKeyHandlers, scanId: number | undefined) => {
  const latest = useRef(handlers)
  latest.current = handlers
  const pending = useRef<{ timer: ReturnType<typeof setTimeout>; stampMs: number }>(undefined)

  const cancel = useCallback(() => {
    if (pending.current === undefined) return
    clearTimeout(pending.current.timer)
    pending.current = undefined
  }, [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new scan id is exactly what cancels a waiting digit
  useEffect(cancel, [scanId])

  useEffect(() => {
    let lastStampMs = Number.NEGATIVE_INFINITY
    const onKeyDown = (event: KeyboardEvent) => {
      const previousStampMs = lastStampMs
      lastStampMs = event.timeStamp
      if (pending.current !== undefined && event.timeStamp - pending.current.stampMs < LONE_KEY_GAP_MS) cancel()
      if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return
      if (isField(document.activeElement)) return
      if (/^[0-9]$/.test(event.key)) {
        event.preventDefault()
        cancel()
        if (event.timeStamp - previousStampMs < LONE_KEY_GAP_MS) return
        const digit = Number(event.key)
        pending.current = {
          stampMs: event.timeStamp,
          timer: setTimeout(() => {
            pending.current = undefined
            latest.current.onDigit(digit)
          }, SETTLE_MS)
        }
        return
      }
      if (event.key === "Enter" && document.activeElement instanceof HTMLButtonElement) return
      if (latest.current.onKey(event.key)) event.preventDefault()
    }
    window.addEventListener("keydown", onKeyDown)
    return () => {
      window.removeEventListener("keydown", onKeyDown)
      cancel()
    }
  }, [cancel])
}
