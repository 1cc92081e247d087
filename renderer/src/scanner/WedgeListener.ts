/** Tells a keyboard-wedge scanner's bursts from typing and hands each scan over. */
import { KeyboardWedge, type WedgeScan } from "../../scan/KeyboardWedge.ts"
import { removeBurst } from "./removeBurst.ts"

const IDLE_SLACK_MS = 300

const isTextField = (element: Element | null): element is HTMLInputElement | HTMLTextAreaElement =>
  element instanceof HTMLTextAreaElement ||
  (element instanceof HTMLInputElement && ["text", "search", "", "url", "tel"].includes(element.type))

/**
 * Sets a field's text so React notices: React tracks the value through the prototype's setter and an input event,
 * so assigning `.value` alone would be undone on its next render.
 */
const replaceFieldText = (field: HTMLInputElement | HTMLTextAreaElement, value: string, caret: number) => {
  const prototype = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype
  Object.getOwnPropertyDescriptor(prototype, "value")?.set?.call(field, value)
  field.setSelectionRange(caret, caret)
  field.dispatchEvent(new Event("input", { bubbles: true }))
}

/**
 * Listens to every key on the page, before any field sees it, and hands scanner bursts to `onScan` wherever focus
 * is. A burst's characters reach the focused field before the burst is recognised, so they are taken out of it
 * again; its terminator is swallowed so it cannot submit a form or move focus.
 */
export const attachWedgeListener = (scope: Window, onScan: (raw: string) => void): (() => void) => {
  const wedge = new KeyboardWedge()
  let idleTimer: ReturnType<typeof setTimeout> | undefined

  const deliver = (scans: ReadonlyArray<WedgeScan>) => {
    for (const scan of scans) {
      const field = scope.document.activeElement
      if (isTextField(field)) {
        const cleaned = removeBurst(field.value, scan.raw, field.selectionEnd)
        if (cleaned !== undefined) replaceFieldText(field, cleaned.value, cleaned.caret)
      }
      onScan(scan.raw)
    }
  }

  // Armed from when a key was handled, not from its timestamp: on a busy machine keys reach the page late, and a
  // timer counted from the (earlier) timestamp would end a burst while the rest of it is still queued. Only scanners
  // without a terminator need this timer, so being late costs little.
  const armIdleTimer = () => {
    if (idleTimer !== undefined) clearTimeout(idleTimer)
    if (wedge.idleDeadlineMs() === undefined) return
    idleTimer = setTimeout(() => {
      idleTimer = undefined
      const deadline = wedge.idleDeadlineMs()
      if (deadline !== undefined) deliver(wedge.expire(deadline))
    }, wedge.options.burstTimeoutMs + IDLE_SLACK_MS)
  }

  const onKeyDown = (event: KeyboardEvent) => {
    // What is typed into a password field (a manager's PIN) is nobody's scan: it must never reach the station as one.
    const focused = scope.document.activeElement
    if (focused instanceof HTMLInputElement && focused.type === "password") return
    // HID scanners type the GS1 separator GS (ASCII 29) as Ctrl+] (its control-key form); without it a GS1 string
    // with variable-length AIs could not be split.
    const groupSeparator =
      event.ctrlKey && !event.altKey && !event.metaKey && (event.code === "BracketRight" || event.key === "]")
    if (!groupSeparator && (event.ctrlKey || event.altKey || event.metaKey || event.isComposing)) return
    const result = wedge.push({ key: groupSeparator ? "\u001d" : event.key, timeMs: event.timeStamp })
    if (groupSeparator) event.preventDefault()
    if (result.swallow) {
      event.preventDefault()
      event.stopPropagation()
    }
    deliver(result.scans)
    armIdleTimer()
  }

  scope.addEventListener("keydown", onKeyDown, { capture: true })
  return () => {
    scope.removeEventListener("keydown", onKeyDown, { capture: true })
    if (idleTimer !== undefined) clearTimeout(idleTimer)
  }
}
