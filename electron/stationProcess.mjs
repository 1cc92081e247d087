// Entry of the station process the desktop app starts (plain Node with an IPC channel). The station is TypeScript run
// through tsx, as in the CLI, so this file only installs tsx's loader and hands over to stationProcess.ts. Node's IPC
// is wrapped to look like Electron's parentPort, which delivers messages as `{ data }`.
import { register } from "tsx/esm/api"

register()
const { runStationProcess } = await import("./stationProcess.ts")
const parentPort = process.parentPort ?? {
  postMessage: (message) => process.send?.(message),
  on: (event, listener) => {
    process.on(event, (data) => listener({ data }))
    // The desktop app went away without asking: close the database and devices cleanly all the same.
    if (event === "message") process.once("disconnect", () => listener({ data: { kind: "close" } }))
  }
}
await runStationProcess({
  parentPort,
  cwd: process.cwd(),
  env: process.env,
  log: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code)
})
