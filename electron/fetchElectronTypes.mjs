// Makes Electron's typings available to `tsc -p electron/tsconfig.json` when `electron` itself is not installed.
// Electron is an optional dependency whose postinstall downloads a binary; where that download fails npm drops the
// whole package, typings included. The typings ship inside the npm tarball, so we take them from there, pinned to the
// exact version package.json asks for, into node_modules/.cache (which electron/tsconfig.json lists as the fallback).
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const installed = join(root, "node_modules", "electron", "electron.d.ts")
const cacheDir = join(root, "node_modules", ".cache", "packbench-electron-types")
const cached = join(cacheDir, "electron.d.ts")
const versionFile = join(cacheDir, "version")

const fail = (message) => {
  process.stderr.write(`fetchElectronTypes: ${message}\n`)
  process.exit(1)
}

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const version = manifest.optionalDependencies?.electron ?? manifest.dependencies?.electron
if (typeof version !== "string" || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
  fail(`package.json must pin electron to an exact version (found ${JSON.stringify(version)})`)
}

const cachedVersion = existsSync(versionFile) ? readFileSync(versionFile, "utf8").trim() : undefined
if (existsSync(installed) || (existsSync(cached) && cachedVersion === version)) process.exit(0)

class FetchError extends Error {}

const work = mkdtempSync(join(tmpdir(), "packbench-electron-types-"))
try {
  let tarball
  try {
    const out = execFileSync("npm", ["pack", `electron@${version}`, "--pack-destination", work, "--loglevel=error"], {
      cwd: work,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      shell: process.platform === "win32"
    })
    tarball = join(work, out.trim().split("\n").pop() ?? "")
  } catch (error) {
    const detail = String(error.stderr || error.message).trim()
    throw new FetchError(`could not download electron@${version} from the npm registry to read its typings:\n${detail}`)
  }
  if (!existsSync(tarball)) throw new FetchError(`npm pack reported ${tarball}, which does not exist`)
  try {
    execFileSync("tar", ["-xzf", tarball, "-C", work, "package/electron.d.ts"], { stdio: ["ignore", "ignore", "pipe"] })
  } catch (error) {
    throw new FetchError(
      `could not extract package/electron.d.ts from ${tarball}: ${String(error.stderr || error.message).trim()}`
    )
  }
  mkdirSync(cacheDir, { recursive: true })
  // Written beside the target and renamed, so a concurrent typecheck never reads half a file.
  const partial = `${cached}.${process.pid}.partial`
  writeFileSync(partial, readFileSync(join(work, "package", "electron.d.ts")))
  renameSync(partial, cached)
  writeFileSync(versionFile, `${version}\n`)
  process.stderr.write(`fetchElectronTypes: wrote electron@${version} typings to ${cached}\n`)
} catch (error) {
  if (!(error instanceof FetchError)) throw error
  process.stderr.write(`fetchElectronTypes: ${error.message}\n`)
  process.exitCode = 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
