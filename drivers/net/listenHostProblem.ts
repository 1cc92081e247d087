/** Whether this machine can listen on the host a setting names, found out by listening on it once. */
import { createServer } from "node:net"
import { oneLine, quotedOneLine } from "../../core/bounds/oneLine.ts"

const reasonOf = (error: NodeJS.ErrnoException) => {
  switch (error.code) {
    case "EADDRNOTAVAIL":
      return "it is not an address of this machine (EADDRNOTAVAIL)"
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return `the name resolves to no address (${error.code})`
    default:
      return oneLine(error.message)
  }
}

/**
 * What keeps a server from listening on `host`, in one line naming `setting` and the host, or undefined. The host is
 * listened on once, on a free port, and let go: a valid address that is none of this machine's (`203.0.113.7`), or a
 * name that resolves elsewhere or to nothing, would otherwise fail only when the server starts, after its data dir
 * and database were made.
 */
export const listenHostProblem = (host: string, setting: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", (error: NodeJS.ErrnoException) =>
      resolve(`${setting}: cannot listen on ${quotedOneLine(host)}: ${reasonOf(error)}`)
    )
    server.listen({ host, port: 0, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
