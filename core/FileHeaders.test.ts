/** Keeps every production source file opening with a header comment that says what it is for (issue #12). */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/**
 * The repository's source files, committed or new (not ignored), with `/` separators. git is asked rather than the
 * tree walked, so node_modules, build output and test output never count; a git that fails fails the test.
 */
const sourceFiles = (): Array<string> =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.tsx", "*.mjs"], {
    cwd: root,
    encoding: "utf8"
  })
    .split("\n")
    .filter((file) => file !== "" && existsSync(join(root, file)))

/** Production: not a test or suite, fixture, benchmark, type declaration or generated file. */
const isProductionSource = (file: string): boolean =>
  !/\.(test|suite)\./.test(file) &&
  !/^(fixtures|bench)\//.test(file) &&
  !file.endsWith(".d.ts") &&
  !file.includes("generated")

/**
 * Whether a file's text opens with a comment (after a shebang, if any). A directive in comment form
 * (`/// <reference …>`, `// @ts-…`, `// biome-ignore …`) is no header: it says nothing about what the file is for.
 */
const opensWithHeader = (text: string): boolean => {
  const lines = text.split("\n")
  const first = (lines[0]?.startsWith("#!") ? lines[1] : lines[0]) ?? ""
  if (/^\/\/\/\s*</.test(first) || /^\/\/\s*(@ts-|biome-ignore)/.test(first)) return false
  return /^(\/\*\*?\s*\S|\/\*\*?$|\/\/\s*\S)/.test(first)
}

describe("file headers", () => {
  it("recognises a header comment and refuses code or a directive in its place", () => {
    expect(opensWithHeader("/** The pack bench. */\nexport {}\n")).toBe(true)
    expect(opensWithHeader("/**\n * The pack bench.\n */\n")).toBe(true)
    expect(opensWithHeader("#!/usr/bin/env node\n// The installed command.\n")).toBe(true)
    expect(opensWithHeader("// The installed command.\n")).toBe(true)
    expect(opensWithHeader('import { Effect } from "effect"\n/** The pack bench. */\n')).toBe(false)
    expect(opensWithHeader('#!/usr/bin/env node\nimport "./main.mjs"\n')).toBe(false)
    expect(opensWithHeader('/// <reference types="vite/client" />\n')).toBe(false)
    expect(opensWithHeader("// @ts-nocheck\n")).toBe(false)
    expect(opensWithHeader("\n/** Too late. */\n")).toBe(false)
    expect(opensWithHeader("")).toBe(false)
  })

  it("counts tests, fixtures, benchmarks, declarations and generated files out", () => {
    expect(isProductionSource("core/pack/PackService.ts")).toBe(true)
    expect(isProductionSource("drivers/cli/packbench.mjs")).toBe(true)
    expect(isProductionSource("renderer/src/ui/ShopCard.tsx")).toBe(true)
    expect(isProductionSource("core/pack/PackService.test.ts")).toBe(false)
    expect(isProductionSource("hub/drivers/connectors/Shops.integration.test.ts")).toBe(false)
    expect(isProductionSource("hub/core/notify/NotificationRules.suite.ts")).toBe(false)
    expect(isProductionSource("fixtures/data/orders.ts")).toBe(false)
    expect(isProductionSource("bench/pack.bench.ts")).toBe(false)
    expect(isProductionSource("electron/electron.d.ts")).toBe(false)
    expect(isProductionSource("core/scan/gs1/aiTable.generated.ts")).toBe(false)
  })

  it("finds every production source file opening with a one-sentence header comment", () => {
    const files = sourceFiles().filter(isProductionSource)
    // The repository has hundreds of them; a listing that comes back nearly empty is a broken listing, not a pass.
    expect(files.length).toBeGreaterThan(400)
    const missing = files.filter((file) => !opensWithHeader(readFileSync(join(root, file), "utf8")))
    expect(missing, "these files do not open with a header comment saying what they are for").toEqual([])
  })
})
