/** What is wrong with a server URL given on the command line, in words for a person. */
import { serverUrlPortProblem } from "../../core/config/ServerAddress.ts"

/**
 * What is wrong with a URL of one of `schemes` (`["smtp", "smtps"]`): another scheme, white space, a URL that does not
 * parse, or a port no server listens on.
 */
export const serverUrlProblem = (text: string, schemes: ReadonlyArray<string>): string | undefined => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/\S+$/i.exec(text)?.[1]?.toLowerCase()
  const names = schemes.map((name) => `${name}://`)
  const notOne = `is not an ${names.slice(0, -1).join(", ")}${names.length > 1 ? " or " : ""}${names.at(-1)} URL`
  if (scheme === undefined || !schemes.includes(scheme)) return notOne
  // The port first: a URL parser refuses 70000 too, but says less about it.
  return serverUrlPortProblem(text) ?? (URL.canParse(text) ? undefined : notOne)
}
