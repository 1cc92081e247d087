/** The desktop builds the packaging step makes: an operating system, its processor, and what it is handed out as. */
export interface DesktopTarget {
  readonly platform: "linux" | "win32"
  readonly arch: "x64" | "arm64"
}

export const desktopTargets: ReadonlyArray<DesktopTarget> = [
  { platform: "linux", arch: "x64" },
  { platform: "win32", arch: "x64" }
]

/** The name of Electron's release archive for a target, as Electron publishes it and @electron/get caches it. */
export const electronZipName = (electronVersion: string, target: DesktopTarget) =>
  `electron-v${electronVersion}-${target.platform}-${target.arch}.zip`

/** The app's executable in the packaged folder: the name the fuses are flipped in. */
export const executableFile = (target: DesktopTarget) => (target.platform === "win32" ? "packbench.exe" : "packbench")
