/** The options the desktop app is packaged with: what goes in and which native modules are rebuilt. */
import type { HookFunction, Options } from "@electron/packager"
import type { DesktopTarget } from "./desktopTargets.ts"

/** Native modules the station loads; rebuilt for Electron's ABI in the packaged copy only. */
export const nativeModules = ["better-sqlite3", "@serialport/bindings-cpp"] as const

/**
 * What of the repository goes into the app (paths as the packager sees them, from the app's root, `/`-separated):
 * the station and hub sources it runs, the built UI and preload, the sample data and the production dependencies.
 * Tests, suites, test rigs, benchmarks, the UI's sources, the packaging itself and local data stay out.
 */
export const excludedFromApp = (path: string): boolean =>
  /\.(test|integration\.test|e2e\.test|property\.test|suite)\.tsx?$/.test(path) ||
  /^\/(bench|test-output|dist|\.packbench|\.ci|\.git|\.scratch)(\/|$)/.test(path) ||
  /^\/renderer\/(?!dist(\/|$))/.test(path) ||
  /^\/fixtures\/(?!data(\/|$))/.test(path) ||
  /^\/electron\/packaging(\/|$)/.test(path) ||
  /^\/node_modules\/\.cache(\/|$)/.test(path) ||
  /^\/(tsconfig(\.base)?\.json|biome\.json|vitest\.config\.ts)$/.test(path)

/**
 * The @electron/packager options for one target. The Electron archive comes from `electronZipDir` only (this step
 * never downloads it); `rebuild` turns the copied native modules into Electron builds (the repository's own
 * node_modules keep their Node builds, which the CLI and `packbench serve` load). Native modules and esbuild's
 * binary (tsx runs the TypeScript sources) are unpacked beside the asar, since a binary cannot be loaded from inside it.
 */
export const desktopPackagerOptions = (options: {
  readonly root: string
  readonly out: string
  readonly target: DesktopTarget
  readonly electronVersion: string
  readonly appVersion: string
  readonly electronZipDir: string
  readonly rebuild: HookFunction
}): Options => ({
  dir: options.root,
  out: options.out,
  name: "Packbench",
  executableName: "packbench",
  appVersion: options.appVersion,
  appCopyright: "Packbench",
  platform: options.target.platform,
  arch: options.target.arch,
  electronVersion: options.electronVersion,
  electronZipDir: options.electronZipDir,
  asar: { unpack: "{**/*.node,**/node_modules/@esbuild/**,**/node_modules/esbuild/bin/**}" },
  prune: true,
  derefSymlinks: true,
  overwrite: true,
  quiet: true,
  ignore: excludedFromApp,
  afterCopy: [options.rebuild],
  win32metadata: {
    CompanyName: "Packbench",
    ProductName: "Packbench",
    FileDescription: "Packbench pack station"
  }
})
