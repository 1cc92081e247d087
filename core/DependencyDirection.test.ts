import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Paths relative to the repository root, with `/` on every platform. */
const toPosix = (path: string) => path.split(sep).join("/")

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`
    if (name === "node_modules" || name === "dist") return []
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith(".d.ts") && !name.endsWith(".d.mts") ? [path] : []
  })

const isTest = (file: string) => /\.(test|integration\.test|e2e\.test|property\.test|suite)\.tsx?$/.test(file)

/**
 * What ships: every source file of the two programs and the shell, but not tests and suites, the end-to-end
 * harnesses (they start the real station from outside the UI), the UI's build config, fixtures or benchmarks.
 */
const isProduction = (file: string) =>
  !isTest(file) && !/(^|\/)vite\.config\.ts$/.test(file) && !file.startsWith("renderer/e2e/")

const productionFolders = ["core", "hub", "drivers", "electron", "renderer"]

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
  const path = toPosix(relative(root, resolve(root, dirname(file), specifier)))
  return { kind: "folder" as const, name: path.split("/")[0]!, path }
}

const violations = (folder: string, allowed: (file: string, specifier: string) => boolean) =>
  sourceFiles(folder)
    .filter(isProduction)
    .flatMap((file) =>
      importsOf(file)
        .filter((spec) => !allowed(file, spec))
        .map((spec) => `${file} imports ${spec}`)
    )

const isEffect = (specifier: string) => specifier === "effect" || specifier.startsWith("effect/")

/**
 * What hub/core may use of the station's core: the kernel both programs run on and the vocabulary they exchange.
 * Whole folders: the event envelope and definitions (`events`), the SQL port and migrations (`store`), the clock
 * (`time`), both ends of the sync protocol (`sync`), the bounds every edge checks untrusted input against (`bounds`),
 * the customer figures and the shop connectors' state the station reads from the hub (`metrics`, `shops`), and the
 * address rules (`address`: pure, so the hub's correction page checks an address exactly as the bench does and finds
 * the customer's time zone from it). Inside the features, only what crosses between the programs: every feature's
 * published events
 * (`core/<feature>/<Name>Events.ts`), the order as the shop sends it, the carriers' names, the returns desk's inbound
 * messages (the hub sends `refund.rejected`), the per-unit paid amount both sides bound refunds by, the locale, and the
 * carriers' tracking number table with each carrier's tracking page (the hub links to it in mails), and the catalog of
 * every station event type (made of the published events only: the hub holds a type its release does not list).
 * Anything else in core is the station's own: the hub must not reach into the pack bench or the returns desk.
 */
const coreContracts = {
  folders: [
    "core/events/",
    "core/store/",
    "core/time/",
    "core/sync/",
    "core/bounds/",
    "core/metrics/",
    "core/shops/",
    "core/address/"
  ],
  files: [
    "core/config/StationConfig.ts",
    "core/orders/Order.ts",
    "core/carrier/CarrierProfile.ts",
    "core/returns/ReturnsMessages.ts",
    "core/returns/paidPerUnit.ts",
    "core/scan/trackingNumber.ts",
    "core/station/StationEventCatalog.ts"
  ],
  publishedEvents: /^core\/[a-z]+\/[A-Za-z]+Events\.ts$/
}
const isCoreContract = (path: string) =>
  coreContracts.folders.some((folder) => path.startsWith(folder)) ||
  coreContracts.files.includes(path) ||
  coreContracts.publishedEvents.test(path)

/**
 * The station side's only doors into the hub, each to the one hub module it may import: the station process embeds
 * the hub (one machine, no setup), and the one `packbench` binary also runs `packbench hub` for a fleet.
 */
const stationDoorsIntoHub: Readonly<Record<string, string>> = {
  "drivers/station/StationHub.ts": "hub/drivers/server/EmbeddedHub.ts",
  "drivers/cli/commands.ts": "hub/drivers/server/hubCommand.ts"
}

/** Production imports between production files, for the cycle search. */
const productionGraph = () => {
  const files = productionFolders.flatMap(sourceFiles).filter(isProduction)
  const known = new Set(files)
  return new Map(
    files.map((file) => [
      file,
      importsOf(file).flatMap((specifier) => {
        const to = target(file, specifier)
        return to.kind === "folder" && known.has(to.path) ? [to.path] : []
      })
    ])
  )
}

/** Each import cycle as the chain of files that closes it, found by a depth-first search. */
const importCycles = (graph: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const done = new Set<string>()
  const path: Array<string> = []
  const onPath = new Set<string>()
  const cycles: Array<string> = []
  const visit = (file: string) => {
    path.push(file)
    onPath.add(file)
    for (const next of graph.get(file) ?? []) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" → "))
      else if (!done.has(next)) visit(next)
    }
    path.pop()
    onPath.delete(file)
    done.add(file)
  }
  for (const file of graph.keys()) if (!done.has(file)) visit(file)
  return cycles
}

describe("dependency direction", () => {
  it("keeps core pure: it imports only effect and other core modules (generators may read files)", () => {
    expect(
      violations("core", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package")
          return isEffect(specifier) || (file.endsWith(".mjs") && specifier.startsWith("node:"))
        return to.name === "core"
      })
    ).toEqual([])
  })

  it("keeps the hub out of core, its tests included: the station's core knows nothing of the hub", () => {
    expect(
      sourceFiles("core").flatMap((file) =>
        importsOf(file)
          .filter((specifier) => target(file, specifier).name === "hub")
          .map((specifier) => `${file} imports ${specifier}`)
      )
    ).toEqual([])
  })

  it("keeps the hub's core pure: effect, core's contracts and hub/core only", () => {
    expect(
      violations("hub/core", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package") return isEffect(specifier)
        return to.path.startsWith("hub/core/") || isCoreContract(to.path)
      })
    ).toEqual([])
  })

  it("lets the hub's drivers use both cores and the shared adapters, never the UI or the Electron shell", () => {
    expect(
      violations("hub/drivers", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package") return specifier !== "electron" && !specifier.startsWith("react")
        return to.name === "hub" || to.name === "core" || to.name === "drivers"
      })
    ).toEqual([])
  })

  it("keeps drivers away from the UI, the Electron shell and the hub but for the named doors", () => {
    expect(
      violations("drivers", (file, specifier) => {
        const to = target(file, specifier)
        if (to.kind === "package") return specifier !== "electron" && !specifier.startsWith("react")
        if (to.name === "hub") return stationDoorsIntoHub[file] === to.path
        return to.name === "core" || to.name === "drivers"
      })
    ).toEqual([])
  })

  it("names doors into the hub that exist and are used", () => {
    for (const [file, door] of Object.entries(stationDoorsIntoHub)) {
      expect(importsOf(file).map((specifier) => target(file, specifier).path)).toContain(door)
    }
  })

  it("keeps fixtures out of production: only tests, suites, e2e harnesses and benchmarks use them", () => {
    expect(
      productionFolders.flatMap((folder) =>
        violations(folder, (file, specifier) => target(file, specifier).name !== "fixtures")
      )
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
        return to.name === "renderer" || to.path.startsWith("core/api/") || to.path.startsWith("core/decode/")
      })
    ).toEqual([])
  })

  it("has no import cycle among production files", () => {
    expect(importCycles(productionGraph())).toEqual([])
  })

  it("finds the imports it checks (the checks are not vacuous)", () => {
    expect(importsOf("core/events/EventLog.ts")).toContain("../store/Sql.ts")
    expect(violations("core", () => false).length).toBeGreaterThan(50)
    expect(violations("hub/core", () => false).length).toBeGreaterThan(50)
    expect(isCoreContract("core/pack/PackEvents.ts")).toBe(true)
    expect(isCoreContract("core/pack/PackService.ts")).toBe(false)
    expect(productionGraph().get("drivers/station/StationDomain.ts")).toContain("core/pack/PackService.ts")
    expect(
      importCycles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
          ["d", ["a"]]
        ])
      )
    ).toEqual(["a → b → c → a"])
  })
})
