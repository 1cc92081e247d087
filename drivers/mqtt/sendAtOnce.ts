/** Turning Nagle's algorithm off on an MQTT link, so small packets (PUBACKs, publishes) leave when written. */

/**
 * Sets TCP_NODELAY on the link's socket, where it has one. MQTT QoS 1 writes small packets that the other side
 * waits for. With Nagle's algorithm on, a small packet waits while an earlier one is unacknowledged, and the other
 * side's kernel holds that acknowledgement back (delayed ACK, 40 ms on Linux) while it has nothing to send. With
 * several publishes in flight, the PUBACKs after the first one then arrived 40–50 ms late. Measured at 200 events/s
 * (`npm run bench:sync`): append→PUBACK p99 112–120 ms with Nagle on both ends, 16–21 ms with it off on both. Off on
 * one end only, the median went to 53–68 ms: the broker must send at once too (mosquitto's `set_tcp_nodelay true`;
 * the embedded broker does).
 */
export const sendAtOnce = (stream: object | undefined): void => {
  // net and TLS sockets have `setNoDelay`; a WebSocket stream has not.
  if (stream !== undefined && "setNoDelay" in stream && typeof stream.setNoDelay === "function") {
    stream.setNoDelay(true)
  }
}
