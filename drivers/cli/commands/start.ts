/** The `packbench start` command behind `npm start`: the desktop app, or the browser UI without Electron. */
import type { Command } from "../Command.ts"
import { desktopCommand, electronAvailable } from "./desktop.ts"
import { serveCommand } from "./serve.ts"

/** What `npm start` runs: the desktop app where Electron is installed, the browser UI everywhere else. */
export const makeStartCommand = (hasElectron: () => boolean): Command => ({
  name: "start",
  usage: "start [--config FILE]",
  summary: "run the station: the Electron window when Electron is installed, else the browser UI",
  run: (argv, io) => (hasElectron() ? desktopCommand : serveCommand).run(argv, io)
})

export const startCommand = makeStartCommand(electronAvailable)
