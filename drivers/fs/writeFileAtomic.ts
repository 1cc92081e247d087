/** Replaces a file atomically and durably, so a crash never leaves half of it. */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs"
import { open, rename, rm } from "node:fs/promises"
import { dirname } from "node:path"

/** A file being written in pieces that appears at its path only when committed, whole and durable. */
export interface AtomicFile {
  readonly write: (content: string | Uint8Array) => void
  /** fsyncs the content, renames it over the path and fsyncs the directory (the POSIX recipe). */
  readonly commit: () => void
  /** Removes the unfinished file; the path keeps its old content, if any. */
  readonly abandon: () => void
}

/** fsyncs the directory holding `path`, so a rename or unlink in it survives a crash. */
export const fsyncDirectory = (path: string): void => {
  const dir = openSync(dirname(path), "r")
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}

/**
 * Opens a temporary file beside `path` that replaces `path` on commit, so a crash leaves the old or the new content,
 * never half of one. `mode` applies to the new file (e.g. 0o600 for a secret).
 */
export const openAtomicFile = (path: string, mode = 0o644): AtomicFile => {
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, "w", mode)
  let open = true
  const close = () => {
    if (open) closeSync(fd)
    open = false
  }
  return {
    write: (content) => {
      if (typeof content === "string") {
        writeSync(fd, content)
        return
      }
      // writeSync may write fewer bytes than asked; a photo must land whole.
      let written = 0
      while (written < content.length) written += writeSync(fd, content, written, content.length - written)
    },
    commit: () => {
      try {
        fsyncSync(fd)
      } finally {
        close()
      }
      renameSync(temporary, path)
      fsyncDirectory(path)
    },
    abandon: () => {
      close()
      try {
        unlinkSync(temporary)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      }
    }
  }
}

/** Replaces a small file in one write, atomically and durably (see openAtomicFile). */
export const writeFileAtomic = (path: string, content: string | Uint8Array, mode = 0o644): void => {
  const file = openAtomicFile(path, mode)
  try {
    file.write(content)
    file.commit()
  } catch (error) {
    file.abandon()
    throw error
  }
}

let asyncWrites = 0

/**
 * `writeFileAtomic` with every file operation (the two fsyncs included) in libuv's thread pool: the event loop goes on
 * serving scans and printers while the disk flushes, and the promise resolves only once the new content is durable
 * at `path`. Each call has its own temporary file; callers that write one path repeatedly must let one write settle
 * before the next (as `makeFileHighWaterMark` does), or the renames could land out of order.
 */
export const writeFileAtomicAsync = async (path: string, content: string | Uint8Array, mode = 0o644): Promise<void> => {
  const temporary = `${path}.${process.pid}.${++asyncWrites}.tmp`
  const file = await open(temporary, "w", mode)
  try {
    try {
      await file.writeFile(content)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  const directory = await open(dirname(path), "r")
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}
