/** Reads a secret file beside its data, creating it once with mode 0600 even when two processes race. */
import { randomBytes } from "node:crypto"
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs"

/**
 * A secret kept in one file beside the data it protects (a session key, a token): made on first use from 32 random
 * bytes with mode 0600, read as it is later. The new secret is written whole to a temporary file and then linked to
 * its name, which fails when the name exists: two processes starting together agree on one complete secret. A file
 * someone made readable to others is set back to 0600.
 */
export const readOrCreateSecret = (path: string, make: () => string = () => randomBytes(32).toString("base64url")) => {
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, "w", 0o600)
  try {
    writeSync(fd, `${make()}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    chmodSync(path, 0o600)
  } finally {
    unlinkSync(temporary)
  }
  const secret = readFileSync(path, "utf8").trim()
  if (secret.length < 16) {
    throw new Error(`${path} holds no usable secret (fewer than 16 characters): remove it to have a new one made`)
  }
  return secret
}
