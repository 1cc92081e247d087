/** Hashing and checking manager PINs with scrypt. */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto"
import { Effect, Layer } from "effect"
import { PinHashes } from "../../core/session/PinHashes.ts"

/**
 * scrypt's cost (RFC 7914): N = 2^15, r = 8, p = 1 takes 32 MiB and some 50 ms per check, so guessing a 4-digit PIN
 * offline from a stolen badge list costs minutes rather than microseconds, and online the lockout stops it first.
 */
const COST = { N: 32_768, r: 8, p: 1 } as const
const KEY_BYTES = 32

const parse = (hash: string) => {
  const [scheme, n, r, p, salt, key] = hash.split("$")
  const N = Number(n)
  const cost = { N, r: Number(r), p: Number(p) }
  // A hash from the badge list decides how much memory a check takes: keep it to what this module makes, and less.
  const sane =
    scheme === "scrypt" &&
    Number.isInteger(N) &&
    N >= 1024 &&
    N <= 2 ** 17 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(cost.r) &&
    cost.r >= 1 &&
    cost.r <= 16 &&
    Number.isInteger(cost.p) &&
    cost.p >= 1 &&
    cost.p <= 4 &&
    salt !== undefined &&
    key !== undefined
  return sane ? { cost, salt: Buffer.from(salt, "base64url"), key: Buffer.from(key, "base64url") } : undefined
}

const maxmemFor = (cost: { readonly N: number; readonly r: number; readonly p: number }) =>
  256 * cost.N * cost.r + 1024 * 1024

/** The badge list's form of a PIN: `scrypt$N$r$p$salt$hash`. */
export const hashPin = (pin: string): string => {
  const salt = randomBytes(16)
  const key = scryptSync(pin.normalize("NFC"), salt, KEY_BYTES, { ...COST, maxmem: maxmemFor(COST) })
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString("base64url")}$${key.toString("base64url")}`
}

/** Whether `pin` is the PIN behind `hash`; false for a hash this module cannot read. */
export const verifyPin = (pin: string, hash: string): Promise<boolean> => {
  const parsed = parse(hash)
  if (parsed === undefined || parsed.key.length < 16) return Promise.resolve(false)
  return new Promise((resolve) =>
    scrypt(
      pin.normalize("NFC"),
      parsed.salt,
      parsed.key.length,
      { ...parsed.cost, maxmem: maxmemFor(parsed.cost) },
      (error, key) => resolve(error === null && timingSafeEqual(key, parsed.key))
    )
  )
}

/** The station's PIN checks, with scrypt off the event loop (libuv's thread pool). */
export const ScryptPinHashes = {
  layer: Layer.succeed(PinHashes, PinHashes.of({ verify: (pin, hash) => Effect.promise(() => verifyPin(pin, hash)) }))
}
