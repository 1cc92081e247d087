import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openAtomicFile, writeFileAtomic } from "./writeFileAtomic.ts"

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
