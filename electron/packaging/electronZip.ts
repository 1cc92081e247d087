/** Finds the Electron release archive the packaging step builds the desktop app from. */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { type DesktopTarget, electronZipName } from "./desktopTargets.ts"

/** The Electron release archive a target needs is not where the packaging step looks for it. */
export class ElectronBinaryMissing extends Error {
  override readonly name = "ElectronBinaryMissing"
}

/**
 * Where the packaging step takes Electron from: `PACKBENCH_ELECTRON_ZIP_DIR`, else a folder in node_modules' cache.
 * The step never downloads Electron (a build machine may have no way out), so the archive must be put there first.
 */
export const electronZipDir = (root: string, env: Readonly<Record<string, string | undefined>>) =>
  env.PACKBENCH_ELECTRON_ZIP_DIR ?? join(root, "node_modules", ".cache", "packbench-electron-zips")

/** Checks that the archive is there before anything is built, and says what to do when it is not. */
export const requireElectronZip = (dir: string, electronVersion: string, target: DesktopTarget): string => {
  const name = electronZipName(electronVersion, target)
  const file = join(dir, name)
  if (!existsSync(file)) {
    throw new ElectronBinaryMissing(
      `No Electron ${electronVersion} for ${target.platform}-${target.arch}: ${file} is not there, and this step does not ` +
        `download Electron. Put ${name} (Electron's release archive) into ${dir}, or set PACKBENCH_ELECTRON_ZIP_DIR ` +
        "to the folder that has it, then run the step again."
    )
  }
  return file
}
