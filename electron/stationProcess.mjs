// Entry of the station's Electron utility process. The station is TypeScript run through tsx, as in the CLI, so this
// file only installs tsx's loader and hands over to stationProcess.ts.
import { register } from "tsx/esm/api"

register()
const { runStationProcess } = await import("./stationProcess.ts")
await runStationProcess({
  parentPort: process.parentPort,
  cwd: process.cwd(),
  env: process.env,
  log: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code)
})
