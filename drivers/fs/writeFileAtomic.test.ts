import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Fiber } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { makeFileHighWaterMark } from "../mqtt/FileHighWaterMark.ts"
import { openAtomicFile, writeFileAtomic, writeFileAtomicAsync } from "./writeFileAtomic.ts"

const dir = mkdtempSync(join(tmpdir(), "pb-atomic-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("an atomic file", () => {
  it("replaces the old content whole, with the asked mode, leaving no temporary file", () => {
    const path = join(dir, "whole.json")
    writeFileSync(path, "old")
    writeFileAtomic(path, "new", 0o600)
    expect(readFileSync(path, "utf8")).toBe("new")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((name) => name.startsWith("whole"))).toEqual(["whole.json"])
  })

  it("written in pieces, appears only on commit; the path keeps its old content until then", () => {
    const path = join(dir, "pieces.txt")
    writeFileSync(path, "before")
    const file = openAtomicFile(path)
    file.write("a,")
    file.write("b")
    expect(readFileSync(path, "utf8")).toBe("before")
    file.commit()
    expect(readFileSync(path, "utf8")).toBe("a,b")
  })

  it("abandoned, leaves the old content and no temporary file", () => {
    const path = join(dir, "abandoned.txt")
    writeFileSync(path, "kept")
    const file = openAtomicFile(path)
    file.write("half of a docu")
    file.abandon()
    expect(readFileSync(path, "utf8")).toBe("kept")
    expect(readdirSync(dir).filter((name) => name.startsWith("abandoned"))).toEqual(["abandoned.txt"])
  })
})

describe("an atomic file written off the event loop", () => {
  it("replaces the old content whole, with the asked mode, leaving no temporary file", async () => {
    const path = join(dir, "async.json")
    writeFileSync(path, "old")
    await writeFileAtomicAsync(path, new TextEncoder().encode("new"), 0o600)
    expect(readFileSync(path, "utf8")).toBe("new")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((name) => name.startsWith("async"))).toEqual(["async.json"])
  })

  it("fails with the I/O error when the rename cannot happen, keeping the old content and no temporary file", async () => {
    const path = join(dir, "blocked")
    // A directory at the path: the temporary file is written, the rename over a directory fails.
    mkdirSync(join(path, "inside"), { recursive: true })
    await expect(writeFileAtomicAsync(path, "text")).rejects.toMatchObject({ code: expect.stringMatching(/^E/) })
    expect(statSync(path).isDirectory()).toBe(true)
    expect(readdirSync(dir).filter((name) => name.startsWith("blocked"))).toEqual(["blocked"])
  })

  it("keeps the high-water mark's writes in order, even when a writer is interrupted mid-write", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pb-mark-")), "sync-highwater.json")
    const mark = makeFileHighWaterMark(path)
    const last = await Effect.runPromise(
      Effect.gen(function* () {
        // Started together: each waits for the one before; the first is interrupted while its write is under way.
        const fibers = yield* Effect.forEach([1, 2, 3, 4, 5], (seq) =>
          Effect.forkChild(mark.write({ epoch: "e1", seq }))
        )
        yield* Fiber.interrupt(fibers[0]!)
        yield* Effect.forEach(fibers.slice(1), Fiber.join, { discard: true })
        return yield* mark.read
      })
    )
    expect(last).toEqual({ epoch: "e1", seq: 5 })
    expect(readdirSync(join(path, "..")).filter((name) => name.endsWith(".tmp"))).toEqual([])
  })
})
