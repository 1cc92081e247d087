/** The Electron fuses the packaged desktop app is built with. */
import { type FuseConfig, FuseV1Options, FuseVersion } from "@electron/fuses"

/**
 * The fuses the packaged bench app is built with: a kiosk app that runs only its own code. Every fuse is set, so an
 * Electron upgrade that adds one fails the packaging step until it is decided here.
 *
 * - RunAsNode off: `ELECTRON_RUN_AS_NODE` cannot turn the signed binary into a general-purpose Node.
 * - EnableNodeOptionsEnvironmentVariable and EnableNodeCliInspectArguments off: no `NODE_OPTIONS --require`, no
 *   `--inspect`, so nothing can be injected into the main process from the environment or the command line.
 * - EnableCookieEncryption on: cookies at rest are encrypted with the OS key store.
 * - EnableEmbeddedAsarIntegrityValidation and OnlyLoadAppFromAsar on: the app loads only from its `app.asar`, whose
 *   hash is checked against the one built into the binary (macOS and Windows), so a changed archive does not start.
 * - GrantFileProtocolExtraPrivileges off: the UI comes from the app's own `app://` scheme, `file://` needs no more.
 * - LoadBrowserProcessSpecificV8Snapshot off: the app ships no V8 snapshot of its own.
 */
export const desktopFuses = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false
} satisfies FuseConfig
