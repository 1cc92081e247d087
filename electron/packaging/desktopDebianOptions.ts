/**
 * The electron-installer-debian options for the packaged Linux app: a `.deb` that installs the bench app under
 * /usr/lib/packbench with a `packbench-desktop` launcher entry. Debian calls x64 `amd64` and arm64 `arm64`.
 */
export const desktopDebianOptions = (options: {
  readonly src: string
  readonly dest: string
  readonly arch: "x64" | "arm64"
  readonly version: string
}) => ({
  src: options.src,
  dest: options.dest,
  arch: options.arch === "x64" ? "amd64" : "arm64",
  name: "packbench",
  productName: "Packbench",
  genericName: "Pack station",
  description: "Warehouse pack station: scanning, labels, returns and offline sync",
  version: options.version,
  bin: "packbench",
  section: "misc",
  priority: "optional",
  categories: ["Office"],
  maintainer: "Packbench <packbench@example.invalid>"
})
