// The station's embedded notification hub in a process of its own, for `bench:pack --hub-apart`: in production the hub
// runs elsewhere (a server or the cloud), so its database commits and mail must not share the station's event loop
// in the figure that stands for the station. Started with the station's data dir and broker URL; prints "ready" once
// the hub serves and stops when its stdin closes.
//   node --import tsx bench/packHubProcess.ts DATA_DIR BROKER_URL
import { Effect } from "effect"
import { loadConfig } from "../drivers/station/loadConfig.ts"
import { embeddedHub } from "../hub/drivers/server/EmbeddedHub.ts"

const [dataDir, brokerUrl] = process.argv.slice(2)
if (dataDir === undefined || brokerUrl === undefined) throw new Error("usage: packHubProcess.ts DATA_DIR BROKER_URL")
const config = loadConfig({
  cwd: dataDir,
  env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
})
const log = (line: string) => process.stderr.write(`hub: ${line}\n`)

await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      yield* embeddedHub(config, brokerUrl, log)
      process.stdout.write("ready\n")
      yield* Effect.callback<void>((resume) => {
        process.stdin.on("end", () => resume(Effect.void))
        process.stdin.resume()
      })
    })
  )
)
