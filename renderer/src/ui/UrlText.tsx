/** An address (a broker's `mqtts://host:8883`) that a narrow box wraps only after its separators. */
import { Fragment } from "react"

/** Each piece ends with its separator ("mqtts:", "//", "hub.", "example.", "com:", "8883"). */
const PIECE = /[^/:.?&=-]*(?:\/\/|[/:.?&=-])?/g

/**
 * `url` with a break opportunity (`<wbr>`) after each "/", "//", ":", ".", "?", "&", "=", "-": a line that must break
 * breaks there, never inside a host name; only a piece wider than the whole box breaks where it must (the box's
 * `overflow-wrap: anywhere`), so nothing overflows.
 */
export const UrlText = ({ url }: { readonly url: string }) => (
  <>
    {(url.match(PIECE) ?? [])
      .filter((piece) => piece !== "")
      .map((piece, index, pieces) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one address, in its order, never reordered
        <Fragment key={index}>
          {piece}
          {index < pieces.length - 1 && <wbr />}
        </Fragment>
      ))}
  </>
)
