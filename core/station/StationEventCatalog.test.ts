import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { stationEventDefinitions, stationEventVersions } from "./StationEventCatalog.ts"

const core = join(dirname(fileURLToPath(import.meta.url)), "..")

/** Every production module of core whose text defines an event kind. */
const definingModules = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return definingModules(path)
    if (!name.endsWith(".ts") || /\.(test|suite)\.ts$/.test(name) || name === "EventDefinition.ts") return []
    return readFileSync(path, "utf8").includes("defineEvent(") ? [path] : []
  })

const isDefinition = (value: unknown): value is { readonly type: string; readonly version: number } =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { type?: unknown }).type === "string" &&
  typeof (value as { version?: unknown }).version === "number" &&
  "payload" in value

describe("the station's event catalog", () => {
  it("lists every event kind a core feature defines, each once, at the version it writes", async () => {
    const defined = new Map<string, number>()
    const modules = definingModules(core)
    for (const path of modules) {
      const exports: Record<string, unknown> = await import(pathToFileURL(path).href)
      for (const value of Object.values(exports)) if (isDefinition(value)) defined.set(value.type, value.version)
    }
    expect(modules.length).toBeGreaterThan(5)
    expect(new Map([...stationEventVersions].sort())).toEqual(new Map([...defined].sort()))
    expect(stationEventVersions.size).toBe(stationEventDefinitions.length)
  })
})
