/**
 * The text a field should keep after a scanner burst landed in it: the burst's characters were typed in order
 * just before the caret, so they are cut from there. When the caret moved (or the field rewrote its text), the last
 * occurrence is cut instead; when the burst is not in the field at all, the field is left alone.
 */
export const removeBurst = (
  value: string,
  burst: string,
  caret: number | null
): { readonly value: string; readonly caret: number } | undefined => {
  if (burst === "") return undefined
  const end = caret ?? value.length
  const start = value.slice(0, end).endsWith(burst) ? end - burst.length : value.lastIndexOf(burst)
  if (start < 0) return undefined
  return { value: value.slice(0, start) + value.slice(start + burst.length), caret: start }
}
