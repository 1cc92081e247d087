/** The `packbench start` command behind `npm start`: the desktop app, or the browser UI without Electron. */
import type { Command } from "../Command.ts"
import { desktopCommand, electronAvailable } from "./desktop.ts"
import { serveCommand } from "./serve.ts"

/**
 * What `npm start` runs: the desktop app where Electron is installed, the browser UI everywhere else. It is the demo
 * bench, so its simulated scale carries the parcel the Pack screen asks to weigh, unless the environment says
 * otherwise (`PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK=off`) or a configured scale replaces the simulated one.
 */
export const makeStartCommand = (
  hasElectron: () => boolean,
  targets: { readonly desktop: Command; readonly serve: Command } = { desktop: desktopCommand, serve: serveCommand }
): Command => ({
  name: "start",
  usage: "start [--config FILE]",
  summary: "run the station: the Electron window when Electron is installed, else the browser UI",
  run: (argv, io) =>
    (hasElectron() ? targets.desktop : targets.serve).run(argv, {
      ...io,
      env: { PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "on", ...io.env }
    })
})

export const startCommand = makeStartCommand(electronAvailable)
