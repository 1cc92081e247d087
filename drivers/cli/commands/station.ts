/** The `packbench station` commands, such as enrolling the broker login the hub made for this station. */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { writeFileAtomic } from "../../fs/writeFileAtomic.ts"
import { readLoginFile, writeBrokerLogin } from "../../mqtt/BrokerLogins.ts"
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import { readIdentityFile } from "../../station/StationIdentityFile.ts"
import { type Command, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"

const usage = "station enroll LOGIN_FILE [--config FILE] [--data-dir DIR]"

/**
 * `packbench station enroll FILE`: installs the broker login `packbench hub add-station` made for this station into
 * its data dir (`broker-logins.json`, mode 0600), where the station's link finds it when its config names no
 * `broker.username`. The login names a site and a station: a data dir that already belongs to another station, or a
 * config that names other ids, is refused; a fresh data dir takes the login's ids.
 */
export const stationCommand: Command = {
  name: "station",
  usage,
  summary: "enroll this station with the broker login made for it by `packbench hub add-station`",
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: "string", "data-dir": "string" })
    const fail = async (message: string, code: number) => {
      await writeLine(io.stderr, `packbench station: ${message}`)
      if (code === 2) await writeLine(io.stderr, `usage: packbench ${usage}`)
      return code
    }
    if (!flags.ok) return fail(flags.message, 2)
    const [subcommand, file, ...rest] = flags.positional
    if (subcommand !== "enroll" || file === undefined || rest.length > 0) return fail("expected: enroll LOGIN_FILE", 2)
    const env =
      flags.values["data-dir"] === undefined ? io.env : { ...io.env, PACKBENCH_DATA_DIR: flags.values["data-dir"] }
    let dataDir: string
    let configured: { readonly siteId?: string | undefined; readonly stationId?: string | undefined }
    try {
      const config = loadConfig({ cwd: io.cwd, env, configFile: flags.values.config })
      dataDir = config.dataDir
      configured = config.station
    } catch (error) {
      if (error instanceof ConfigError) return fail(error.message, 1)
      throw error
    }
    let login: ReturnType<typeof readLoginFile>
    try {
      login = readLoginFile(resolve(io.cwd, file))
    } catch (error) {
      return fail((error as Error).message, 1)
    }
    if (login.role !== "station" || login.siteId === undefined || login.stationId === undefined) {
      return fail(`${file} is a ${login.role} login, not a station's`, 1)
    }
    const wanted = `${login.siteId}/${login.stationId}`
    if (
      (configured.siteId !== undefined && configured.siteId !== login.siteId) ||
      (configured.stationId !== undefined && configured.stationId !== login.stationId)
    ) {
      return fail(
        `the config names station ${configured.siteId ?? "?"}/${configured.stationId ?? "?"}; the login is for ${wanted}`,
        1
      )
    }
    mkdirSync(dataDir, { recursive: true })
    const identityFile = join(dataDir, "identity.json")
    let identity: ReturnType<typeof readIdentityFile>
    try {
      identity = readIdentityFile(identityFile)
    } catch (error) {
      return fail((error as Error).message, 1)
    }
    if (identity !== undefined) {
      if (identity.siteId !== login.siteId || identity.stationId !== login.stationId) {
        return fail(
          `${dataDir} belongs to station ${identity.siteId}/${identity.stationId}; the login is for ${wanted}`,
          1
        )
      }
    } else {
      writeFileAtomic(
        identityFile,
        `${JSON.stringify({ siteId: login.siteId, stationId: login.stationId }, null, 2)}\n`
      )
    }
    writeBrokerLogin(dataDir, "station", { username: login.username, password: login.password })
    await writeLine(
      io.stdout,
      `Enrolled as ${wanted}: the station logs in as ${login.username} (${join(dataDir, "broker-logins.json")}, mode 0600).`
    )
    return 0
  }
}
