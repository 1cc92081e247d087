/** Replaces a small file atomically and durably, so a crash never leaves half of it. */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs"
import { dirname } from "node:path"

/**
 * Replaces a small file so that a crash leaves the old or the new content, never half of one: written to a
 * temporary file, fsynced, renamed over the old one and the directory fsynced (the POSIX recipe for an atomic,
 * durable replace). `mode` applies to the new file (e.g. 0o600 for a secret).
 */
export const writeFileAtomic = (path: string, text: string, mode = 0o644): void => {
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, "w", mode)
  try {
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
  } catch (error) {
    try {
      unlinkSync(temporary)
    } catch {
      // Already renamed or never written: nothing left behind to remove.
    }
    throw error
  }
  const dir = openSync(dirname(path), "r")
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}
