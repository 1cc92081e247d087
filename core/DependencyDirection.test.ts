import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (name === "node_modules" || name === "dist") return []
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith(".d.ts") && !name.endsWith(".d.mts") ? [path] : []
  })

const isTest = (file: string) => /\.(test|integration\.test|e2e\.test|property\.test|suite)\.tsx?$/.test(file)

/** Every module specifier a file imports or re-exports, static or dynamic. */
const importsOf = (file: string): Array<string> => {
  const text = readFileSync(join(root, file), "utf8")
  const specifiers: Array<string> = []
  for (const match of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g))
    specifiers.push(match[1]!)
  for (const match of text.matchAll(/(?:^|[\s;])import\s*["']([^"']+)["']/g)) specifiers.push(match[1]!)
  for (const match of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(match[1]!)
  return specifiers
}

/** The top-level folder a relative import lands in, or the package name of a bare import. */
const target = (file: string, specifier: string) => {
  if (!specifier.startsWith(".")) return { kind: "package" as const, name: specifier }
  const resolved = relative(root, resolve(root, dirname(file), specifier))
  return { kind: "folder" as const, name: resolved.split(sep)[0]!, path: resolved }
}

const violations = (folder: string, allowed: (file: string, specifier: string) => boolean) =>
  sourceFiles(folder)
    // End-to-end harnesses start the real station from outside the UI; they are tests, not part of the renderer.
    .filter(
      (file) => !isTest(file) && !/(^|\/)vite\.config\.ts$/.test(file) && !file.startsWith(`renderer${sep}e2e${sep}`)
    )
    .flatMap((file) =>
      importsOf(file)
        .filter((spec) => !allowed(file, spec))
        .map((spec) => `${file} imports ${spec}`)
    )

describe("dependency direction", () => {
  it("keeps core pure: it imports only effect and other core modules (generators may read files)", () => {
    expect(
      violations("core", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package")
          return (
            specifier === "effect" ||
            specifier.startsWith("effect/") ||
            (file.endsWith(".mjs") && specifier.startsWith("node:"))
          )
        return to.name === "core"
      })
    ).toEqual([])
  })

  it("keeps drivers away from the UI and the Electron shell", () => {
    expect(
      violations("drivers", (file, specifier) => {
        const to = target(file, specifier)
        return to.kind === "package"
          ? specifier !== "electron" && !specifier.startsWith("react")
          : to.name === "core" || to.name === "drivers" || to.name === "fixtures" || to.name === "hub"
      })
    ).toEqual([])
  })

  it("lets the renderer see only core's API (and its decoding of input) and its own code", () => {
    expect(
      violations("renderer", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package")
          return (
            !specifier.startsWith("node:") &&
            specifier !== "electron" &&
            specifier !== "better-sqlite3" &&
            specifier !== "mqtt" &&
            specifier !== "serialport"
          )
        return (
          to.name === "renderer" ||
          to.path.startsWith(`core${sep}api${sep}`) ||
          to.path.startsWith(`core${sep}decode${sep}`)
        )
      })
    ).toEqual([])
  })

  it("finds the imports it checks (the check is not vacuous)", () => {
    expect(importsOf("core/events/EventLog.ts")).toContain("../store/Sql.ts")
    expect(violations("core", () => false).length).toBeGreaterThan(50)
  })
})
