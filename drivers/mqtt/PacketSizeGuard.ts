/**
 * Measures MQTT control packets in a byte stream (MQTT 3.1.1 §2.2 and 5.0 §2.1.4: one byte of type and flags, the
 * remaining length as a variable byte integer of at most four bytes, then that many bytes) and says when one is
 * larger than allowed, as soon as its header says so: before the broker's parser buffers the body of a 256 MB
 * packet in memory.
 */
export interface PacketSizeGuard {
  /**
   * Feeds the next chunk; returns undefined while every packet is within the limit, else why the stream must be
   * cut (the announced size, or a length field no MQTT packet has).
   */
  readonly feed: (chunk: Uint8Array) => string | undefined
}

export const makePacketSizeGuard = (maxPacketBytes: number): PacketSizeGuard => {
  /** Bytes of the current packet's body still to skip; -1 while reading a header. */
  let skip = 0
  let headerBytes = 0
  let length = 0
  let multiplier = 1
  return {
    feed: (chunk) => {
      let offset = 0
      while (offset < chunk.length) {
        if (skip > 0) {
          const step = Math.min(skip, chunk.length - offset)
          skip -= step
          offset += step
          continue
        }
        const byte = chunk[offset++]!
        headerBytes++
        if (headerBytes === 1) {
          length = 0
          multiplier = 1
          continue
        }
        length += (byte & 0x7f) * multiplier
        multiplier *= 128
        if ((byte & 0x80) !== 0) {
          if (headerBytes === 5) return "malformed remaining length (more than four bytes)"
          continue
        }
        const total = headerBytes + length
        if (total > maxPacketBytes) return `a packet of ${total} bytes (the limit is ${maxPacketBytes})`
        skip = length
        headerBytes = 0
      }
      return undefined
    }
  }
}
