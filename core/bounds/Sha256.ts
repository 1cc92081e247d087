/**
 * SHA-256 (FIPS 180-4) by hand: core has no Node crypto, and a quarantine record names the whole payload it kept
 * only 4 KB of by this digest, so a person can match it against the sender's copy. The hub's sender digests every
 * mail's delivery key with it: the words are kept as 32-bit integers (`| 0`) in buffers made once, and the message is
 * read in place (only its last one or two blocks are copied, to be padded). Words kept as unsigned numbers
 * (`>>> 0`: above 2^31 no small integer), new arrays each call and a padded copy of the message took about twice as
 * long for a 20-byte key, side by side in one process, and two to five times as long for 4 KB.
 */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])

/** The initial hash value (FIPS 180-4 §5.3.3). */
const INITIAL = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
])

/** The message schedule, the last blocks with their padding, and the hash's state: reused by every digest. */
const w = new Int32Array(64)
const tail = new Uint8Array(128)
const state = new Int32Array(8)

/** One 64-byte block of `data` from `offset` into `state` (FIPS 180-4 §6.2.2). */
const compress = (data: Uint8Array, offset: number) => {
  for (let t = 0; t < 16; t++) {
    const i = offset + t * 4
    w[t] = (data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!
  }
  for (let t = 16; t < 64; t++) {
    const w15 = w[t - 15]!
    const w2 = w[t - 2]!
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0
  }
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let e = state[4]!
  let f = state[5]!
  let g = state[6]!
  let h = state[7]!
  for (let t = 0; t < 64; t++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + sigma1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (sigma0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
  state[4] = (state[4]! + e) | 0
  state[5] = (state[5]! + f) | 0
  state[6] = (state[6]! + g) | 0
  state[7] = (state[7]! + h) | 0
}

/** The lower-case hex digest of `bytes`. */
export const sha256Hex = (bytes: Uint8Array): string => {
  state.set(INITIAL)
  const length = bytes.length
  const whole = length - (length % 64)
  for (let offset = 0; offset < whole; offset += 64) compress(bytes, offset)
  // Padding: 0x80, zeros, then the length in bits as a 64-bit big-endian number, to a multiple of 64 bytes.
  const rest = length - whole
  const tailLength = rest + 9 > 64 ? 128 : 64
  tail.fill(0)
  tail.set(bytes.subarray(whole))
  tail[rest] = 0x80
  const high = Math.floor(length / 2 ** 29)
  const low = (length * 8) >>> 0
  for (let i = 0; i < 4; i++) {
    tail[tailLength - 8 + i] = (high >>> (24 - i * 8)) & 0xff
    tail[tailLength - 4 + i] = (low >>> (24 - i * 8)) & 0xff
  }
  compress(tail, 0)
  if (tailLength === 128) compress(tail, 64)
  let hex = ""
  for (let i = 0; i < 8; i++) hex += (state[i]! >>> 0).toString(16).padStart(8, "0")
  return hex
}
