/** The desktop packaging step: packages, rebuilds native modules, flips fuses and makes installers. */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { flipFuses } from "@electron/fuses"
import { type HookFunction, packager } from "@electron/packager"
import { rebuild } from "@electron/rebuild"
import { bundlePreload } from "../bundlePreload.ts"
import { desktopDebianOptions } from "./desktopDebianOptions.ts"
import { desktopFuses } from "./desktopFuses.ts"
import { desktopPackagerOptions, nativeModules } from "./desktopPackagerOptions.ts"
import { type DesktopTarget, desktopTargets, executableFile } from "./desktopTargets.ts"
import { ElectronBinaryMissing, electronZipDir, requireElectronZip } from "./electronZip.ts"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const OUT = join(ROOT, "dist", "desktop")

/** The pinned Electron version (package.json's optional dependency) and the app's own version. */
export const versionsOf = (manifest: {
  readonly version?: unknown
  readonly optionalDependencies?: Readonly<Record<string, unknown>>
}) => {
  const electronVersion = manifest.optionalDependencies?.electron
  if (typeof electronVersion !== "string" || !/^\d+\.\d+\.\d+$/.test(electronVersion)) {
    throw new Error(`package.json must pin electron to an exact version (found ${JSON.stringify(electronVersion)})`)
  }
  if (typeof manifest.version !== "string") throw new Error("package.json has no version")
  return { electronVersion, appVersion: manifest.version }
}

/** Rebuilds the copied native modules for Electron's ABI, in the packaged copy of the app only. */
const rebuildNativeModules: HookFunction = (buildPath, electronVersion, platform, arch, callback) => {
  rebuild({ buildPath, electronVersion, arch, onlyModules: [...nativeModules], force: true }).then(
    () => callback(),
    (error: unknown) =>
      callback(
        new Error(
          `Rebuilding ${nativeModules.join(", ")} for Electron ${electronVersion} (${platform}-${arch}) failed: ` +
            `${error instanceof Error ? error.message : String(error)}. Native modules build for the platform they ` +
            "are built on: package the Windows app on Windows."
        )
      )
  )
}

const packageTarget = async (target: DesktopTarget, versions: ReturnType<typeof versionsOf>, zipDir: string) => {
  const [appPath] = await packager(
    desktopPackagerOptions({
      root: ROOT,
      out: OUT,
      target,
      ...versions,
      electronZipDir: zipDir,
      rebuild: rebuildNativeModules
    })
  )
  if (appPath === undefined) throw new Error(`@electron/packager made nothing for ${target.platform}-${target.arch}`)
  await flipFuses(join(appPath, executableFile(target)), desktopFuses)
  if (target.platform !== "linux") return [appPath]
  // electron-installer-debian is CommonJS with no types: one function from options to a promise.
  const installer = createRequire(import.meta.url)("electron-installer-debian") as (
    options: ReturnType<typeof desktopDebianOptions>
  ) => Promise<unknown>
  const dest = join(OUT, "installers")
  await installer(desktopDebianOptions({ src: appPath, dest, arch: target.arch, version: versions.appVersion }))
  return [appPath, dest]
}

/**
 * The packaging step (`npm run package:desktop [-- --platform linux|win32]`): checks that Electron's archive is
 * there for every target before it builds anything, builds the UI and the preload, packages each target with its
 * native modules rebuilt for Electron, flips the fuses in its executable, and makes the Linux `.deb`.
 */
const main = async (argv: ReadonlyArray<string>) => {
  const platform = argv.includes("--platform") ? argv[argv.indexOf("--platform") + 1] : undefined
  const targets = desktopTargets.filter((target) => platform === undefined || target.platform === platform)
  if (targets.length === 0) throw new Error(`--platform must be one of ${desktopTargets.map((t) => t.platform)}`)
  const versions = versionsOf(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")))
  const zipDir = electronZipDir(ROOT, process.env)
  for (const target of targets) requireElectronZip(zipDir, versions.electronVersion, target)
  execFileSync("npm", ["run", "build:ui", "--silent"], { cwd: ROOT, stdio: "inherit" })
  await bundlePreload(join(ROOT, "electron", "dist"))
  for (const target of targets) {
    const made = await packageTarget(target, versions, zipDir)
    process.stdout.write(`${target.platform}-${target.arch}: ${made.join(", ")}\n`)
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(
      `package:desktop: ${error instanceof ElectronBinaryMissing || error instanceof Error ? error.message : String(error)}\n`
    )
    process.exit(1)
  })
}
