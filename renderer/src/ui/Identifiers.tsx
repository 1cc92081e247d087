/** A sentence with its identifiers (order numbers, return ids) each kept on one line. */
import { identifierParts } from "./identifierParts.ts"

/** `text` as it reads, each identifier in a span that does not wrap at its hyphen (class `id`). */
export const Identifiers = ({ text }: { readonly text: string }) => (
  <>
    {identifierParts(text).map((part, index) =>
      part.identifier ? (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text, in its order, never reordered
        <span key={index} className="id">
          {part.text}
        </span>
      ) : (
        part.text
      )
    )}
  </>
)
