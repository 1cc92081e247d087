import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { readOrCreateSecret } from "./readOrCreateSecret.ts"

const dir = mkdtempSync(join(tmpdir(), "pb-secret-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("a secret in a file", () => {
  it("is made once, 0600, and read back the same; no temporary file stays behind", () => {
    const file = join(dir, "key")
    const first = readOrCreateSecret(file)
    expect(first.length).toBeGreaterThanOrEqual(32)
    expect(readOrCreateSecret(file)).toBe(first)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(["key"])
  })

  it("sets a file others could read back to 0600, and refuses one that holds no secret", () => {
    const file = join(dir, "loose")
    writeFileSync(file, "a-secret-made-by-hand-0123\n", { mode: 0o644 })
    chmodSync(file, 0o644)
    expect(readOrCreateSecret(file)).toBe("a-secret-made-by-hand-0123")
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const empty = join(dir, "empty")
    writeFileSync(empty, "\n")
    expect(() => readOrCreateSecret(empty)).toThrow(/no usable secret/)
  })
})
