/** The station's note on a return: stored in English for the log, read back as facts the screen words itself. */
import type { ReturnNoteView } from "./ReturnsView.ts"

/** The note an unknown return is taken in with, as the log and the `ReturnReceived` event keep it. */
export const noOrderNote = (scanned: string, scanKind: string) =>
  `No order found for "${scanned}" (${scanKind}): taken in as an unknown return`

// Anchored at both ends and greedy: whatever the scan held, quotes or this very sentence, the last ` (kind): …` ends it.
const noOrderPattern = /^No order found for "(.*)" \(([a-z0-9-]+)\): taken in as an unknown return$/s

/**
 * A stored note as the returns desk shows it: the note `noOrderNote` wrote becomes its facts, which the screen words in
 * its own language (returns taken in before the screen did so hold the same English sentence); any other note stays
 * words.
 */
export const readReturnNote = (text: string): ReturnNoteView => {
  const match = noOrderPattern.exec(text)
  return match === null
    ? { kind: "text", text }
    : { kind: "no-order", scanned: match[1] ?? "", scanKind: match[2] ?? "" }
}
