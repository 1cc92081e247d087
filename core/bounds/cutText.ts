/** Text from elsewhere cut to a length for a line on a card, the cut marked. */

/** `text` when it fits in `max` UTF-16 units, else its start and an ellipsis, `max` in all, never inside a pair. */
export const cutText = (text: string, max: number): string => {
  if (text.length <= max) return text
  let end = max - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return `${text.slice(0, end)}…`
}
