/** A React hook for the bench's keys: numbers typed and confirmed, and function keys. */
import { useCallback, useEffect, useRef, useState } from "react"

export interface BenchKeyHandlers {
  /** A number typed at human speed and confirmed with Enter. */
  readonly onNumber: (value: number) => void
  /** Any other key while nothing is typed; true when it was used (its default is then prevented). */
  readonly onKey: (key: string) => boolean
}

const isField = (element: Element | null) =>
  element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement

/**
 * The bench's keyboard outside any field: digits collect into a number that Enter hands over ("scan once, type 12").
 * A scanner burst's digits arrive here too, before the wedge listener recognises the burst (it swallows only the
 * terminator), so the number is dropped whenever `scanId` changes: a scan never becomes a typed quantity.
 */
export const useBenchKeys = (handlers: BenchKeyHandlers, scanId: number | undefined): string => {
  const [typed, setTyped] = useState("")
  const typedRef = useRef("")
  const latest = useRef(handlers)
  latest.current = handlers

  const update = useCallback((value: string) => {
    typedRef.current = value
    setTyped(value)
  }, [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: clearing is what a new scan id means
  useEffect(() => update(""), [scanId, update])

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return
      if (isField(document.activeElement)) return
      const current = typedRef.current
      // Enter on a focused button is the button's, unless a number is typed: a button keeps the focus after a mouse
      // click (the language toggle, say), and the packer who typed "2" on the screen that shows "Typed: 2" means it.
      if (event.key === "Enter" && current === "" && document.activeElement instanceof HTMLButtonElement) return
      if (/^[0-9]$/.test(event.key)) {
        if (current.length < 6) update(current + event.key)
      } else if (current !== "" && event.key === "Backspace") {
        update(current.slice(0, -1))
      } else if (current !== "" && event.key === "Escape") {
        update("")
      } else if (current !== "" && event.key === "Enter") {
        update("")
        latest.current.onNumber(Number(current))
      } else if (!latest.current.onKey(event.key)) {
        return
      }
      event.preventDefault()
    }
    window.addEventListener("keydown", onKeyDown)
    return () => window.removeEventListener("keydown", onKeyDown)
  }, [update])

  return typed
}
