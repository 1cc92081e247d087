/** The error the UI's station client throws for refused calls and answers that do not match the API. */
import type { DecodeProblem } from "../../../core/decode/DecodeProblem.ts"

/**
 * A call the station answered with `ok: false`, or whose answer did not match the API schema (`bad-response`).
 * `code` is what the UI translates; `message` is the station's English text, shown for codes the UI does not know.
 */
export class ApiCallError extends Error {
  override readonly name = "ApiCallError"

  constructor(
    readonly call: string,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<DecodeProblem> = []
  ) {
    super(message)
  }
}
