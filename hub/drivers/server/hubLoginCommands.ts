/** The hub commands that add a station's or a login's broker credentials and ACLs. */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { Schema } from "effect"
import { StationCode } from "../../../core/station/StationIdentity.ts"
import { type BrokerPrincipal, stationUsername } from "../../../core/sync/BrokerRoles.ts"
import { type CommandIo, writeLine } from "../../../drivers/cli/Command.ts"
import { parseFlags } from "../../../drivers/cli/parseFlags.ts"
import {
  BROKER_USERS_FILE,
  defaultUsername,
  newBrokerPassword,
  upsertBrokerUser,
  writeBrokerLogin,
  writeLoginFile
} from "../../../drivers/mqtt/BrokerLogins.ts"
import {
  MOSQUITTO_ACL_FILE,
  MOSQUITTO_PASSWORD_FILE,
  upsertMosquittoAcl,
  upsertMosquittoPassword
} from "../../../drivers/mqtt/MosquittoFiles.ts"

export const addStationUsage =
  "hub add-station --site SITE --station STATION (--mosquitto-dir DIR | --embedded-data-dir DIR) [--out FILE]"
export const addLoginUsage =
  "hub add-login --role hub|shop [--name USER] (--mosquitto-dir DIR | --embedded-data-dir DIR) [--data-dir DIR] [--out FILE]"

const isStationCode = Schema.is(StationCode)

/**
 * Where a new login is granted: a mosquitto's password and ACL files (`--mosquitto-dir`, holding `passwords` and
 * `acl`), or the user table of a station that runs the embedded broker for others (`--embedded-data-dir`).
 */
const grant = async (
  io: CommandIo,
  values: { readonly "mosquitto-dir"?: string; readonly "embedded-data-dir"?: string },
  username: string,
  principal: BrokerPrincipal,
  password: string
): Promise<string | undefined> => {
  const mosquitto = values["mosquitto-dir"]
  const embedded = values["embedded-data-dir"]
  if ((mosquitto === undefined) === (embedded === undefined)) return undefined
  if (mosquitto !== undefined) {
    const dir = resolve(io.cwd, mosquitto)
    mkdirSync(dir, { recursive: true })
    upsertMosquittoPassword(join(dir, MOSQUITTO_PASSWORD_FILE), username, password)
    upsertMosquittoAcl(join(dir, MOSQUITTO_ACL_FILE), username, principal)
    return `${join(dir, MOSQUITTO_PASSWORD_FILE)} and ${join(dir, MOSQUITTO_ACL_FILE)} (send mosquitto SIGHUP to apply)`
  }
  const dir = resolve(io.cwd, embedded ?? ".")
  mkdirSync(dir, { recursive: true })
  const file = join(dir, BROKER_USERS_FILE)
  await upsertBrokerUser(file, username, principal, password)
  return `${file} (the embedded broker reads it at every login)`
}

/**
 * `packbench hub add-station`: gives a station of the fleet its broker login: a fresh password, the station's ACL
 * block, and a login file (mode 0600) to take to the station, where `packbench station enroll FILE` installs it.
 * The password is never printed.
 */
export const addStation = async (argv: ReadonlyArray<string>, io: CommandIo): Promise<number> => {
  const flags = parseFlags(argv, {
    site: "string",
    station: "string",
    "mosquitto-dir": "string",
    "embedded-data-dir": "string",
    out: "string"
  })
  const usage = async (message: string) => {
    await writeLine(io.stderr, `packbench hub add-station: ${message}`)
    await writeLine(io.stderr, `usage: packbench ${addStationUsage}`)
    return 2
  }
  if (!flags.ok) return usage(flags.message)
  const { site, station } = flags.values
  if (site === undefined || !isStationCode(site)) return usage("--site needs a site id (A-Z, 0-9, -; up to 32)")
  if (station === undefined || !isStationCode(station)) {
    return usage("--station needs a station id (A-Z, 0-9, -; up to 32)")
  }
  if (flags.positional.length > 0) return usage(`unexpected ${flags.positional.join(" ")}`)
  const username = stationUsername(site, station)
  const password = newBrokerPassword()
  const granted = await grant(
    io,
    flags.values,
    username,
    { role: "station", siteId: site, stationId: station },
    password
  )
  if (granted === undefined) return usage("name exactly one of --mosquitto-dir and --embedded-data-dir")
  const out = resolve(io.cwd, flags.values.out ?? `${username}.login.json`)
  writeLoginFile(out, { role: "station", siteId: site, stationId: station, username, password })
  await writeLine(io.stdout, `Station ${site}/${station} logs in as ${username}: granted in ${granted}.`)
  await writeLine(
    io.stdout,
    `Its login is in ${out} (mode 0600): take it to the station and run "packbench station enroll ${out}" there.`
  )
  return 0
}

/**
 * `packbench hub add-login`: a login for the hub or the shop side: granted on the broker, then installed in a hub's
 * data dir (`--data-dir`, where `packbench hub --data-dir` finds it) and/or written to a login file (`--out`).
 */
export const addLogin = async (argv: ReadonlyArray<string>, io: CommandIo): Promise<number> => {
  const flags = parseFlags(argv, {
    role: "string",
    name: "string",
    "mosquitto-dir": "string",
    "embedded-data-dir": "string",
    "data-dir": "string",
    out: "string"
  })
  const usage = async (message: string) => {
    await writeLine(io.stderr, `packbench hub add-login: ${message}`)
    await writeLine(io.stderr, `usage: packbench ${addLoginUsage}`)
    return 2
  }
  if (!flags.ok) return usage(flags.message)
  const role = flags.values.role
  if (role !== "hub" && role !== "shop") return usage("--role must be hub or shop")
  if (flags.positional.length > 0) return usage(`unexpected ${flags.positional.join(" ")}`)
  const { "data-dir": dataDir, out } = flags.values
  if (dataDir === undefined && out === undefined) return usage("name --data-dir, --out or both: where the login goes")
  const principal: BrokerPrincipal = { role }
  const username = flags.values.name ?? defaultUsername(principal)
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(username)) {
    return usage("--name: letters, digits, '.', '_' and '-', up to 64")
  }
  const password = newBrokerPassword()
  const granted = await grant(io, flags.values, username, principal, password)
  if (granted === undefined) return usage("name exactly one of --mosquitto-dir and --embedded-data-dir")
  await writeLine(io.stdout, `The ${role} logs in as ${username}: granted in ${granted}.`)
  if (dataDir !== undefined) {
    const dir = resolve(io.cwd, dataDir)
    mkdirSync(dir, { recursive: true })
    writeBrokerLogin(dir, role, { username, password })
    await writeLine(io.stdout, `Installed for the ${role} running with --data-dir ${dir} (mode 0600).`)
  }
  if (out !== undefined) {
    const file = resolve(io.cwd, out)
    writeLoginFile(file, { role, username, password })
    await writeLine(io.stdout, `Its login is in ${file} (mode 0600).`)
  }
  return 0
}
