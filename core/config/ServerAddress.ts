/** What is wrong with a server's address a setting names (its port, its scheme, a host to listen on), or undefined. */

/** What is wrong with the port of a server's address, or undefined: nothing listens on 0 or above 65535. */
export const serverPortProblem = (port: number): string | undefined =>
  port === 0
    ? "port 0 names no server: give the port the server listens on"
    : port > 65535
      ? `port ${port} is above 65535: no server listens there`
      : undefined

/**
 * The problem with the port of a server's URL, when it names one: a scheme pattern alone lets `mqtt://host:70000` or
 * `smtp://host:0` through, and they would fail at the first connection, long after start.
 */
export const serverUrlPortProblem = (text: string): string | undefined => {
  const port = /^[a-z]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/i.exec(text)?.[1]
  return port === undefined ? undefined : serverPortProblem(Number(port))
}

/** A host to listen on: a host name, an IPv4 address or an IPv6 one without brackets (`::`, `::1`). */
export const isListenHost = (text: string): boolean =>
  /^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/.test(text)

/**
 * A server's URL as a message may quote it: the password of its user part (`mqtt://user:password@host`) is left out
 * (`mqtt://user:***@host`), as the message goes to a log.
 */
export const withoutPassword = (text: string): string =>
  text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#\s]*):[^@/?#]*@/i, "$1:***@")
