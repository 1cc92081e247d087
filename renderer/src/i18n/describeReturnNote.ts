/** Words the station's note on a return in the bench's language. */
import type { ReturnNoteView } from "../../../core/api/StationApi.ts"
import { de, type MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(de, key)

/** A parcel no order was found for, with the kind of code it carried (a kind newer than this UI as the station named it). */
export const describeReturnNote = (t: Translate, note: ReturnNoteView): string => {
  if (note.kind === "text") return note.text
  const kindKey = `kind.${note.scanKind}`
  return t("returns.noteNoOrder", {
    scanned: note.scanned,
    kind: isMessageKey(kindKey) ? t(kindKey) : note.scanKind
  })
}
