/** Reads an HTTP answer's body as text up to a bound, so a peer answering without end cannot exhaust the process. */

/** The answer was larger than the bound: its download was stopped, nothing of it is used. */
export class AnswerTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer holds more than ${maxBytes} bytes`)
    this.name = "AnswerTooLarge"
  }
}

/**
 * The body of `response` as UTF-8 text. More than `maxBytes`, as announced (`Content-Length`) or as it arrives
 * (chunked, or a length that lies), rejects with `AnswerTooLarge` and cancels the download; a connection that breaks
 * off rejects with the fetch error. Every caller names the peer and the bound in its own error.
 */
export const readAnswerText = async (response: Response, maxBytes: number): Promise<string> => {
  const announced = Number(response.headers.get("content-length") ?? "0")
  if (announced > maxBytes) {
    await response.body?.cancel()
    throw new AnswerTooLarge(maxBytes)
  }
  if (response.body === null) return ""
  const reader = response.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new AnswerTooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString("utf8")
}
