/** MQTT broker users and station logins on disk: hashed passwords, roles and login files. */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { decodeStrict, describeProblems } from "../../core/decode/DecodeProblem.ts"
import { StationCode } from "../../core/station/StationIdentity.ts"
import { type BrokerPrincipal, type BrokerRole, stationUsername } from "../../core/sync/BrokerRoles.ts"
import { writeFileAtomic } from "../fs/writeFileAtomic.ts"

/**
 * MQTT logins, on disk. Two files, both written with mode 0600 and never logged:
 *
 * - `broker-users.json`: the user table the embedded broker checks a CONNECT against: each user's role (and station)
 *   and a scrypt hash of the password, never the password.
 * - `broker-logins.json`: the logins this machine's own clients connect with (the station, the embedded hub, the
 *   local simulated shop), one per role, with their passwords, since they must present them.
 *
 * An embedded station creates all of them on first start (`ensureEmbeddedLogins`); a fleet station gets its login
 * from `packbench station enroll`, the hub from `packbench hub add-login`.
 */

export const BROKER_USERS_FILE = "broker-users.json"
export const BROKER_LOGINS_FILE = "broker-logins.json"

const Role = Schema.Literals(["station", "hub", "shop"])

export const BrokerUser = Schema.Struct({
  username: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)),
  role: Role,
  siteId: Schema.optional(StationCode),
  stationId: Schema.optional(StationCode),
  /** `scrypt$<N>$<r>$<p>$<salt base64>$<key base64>` */
  passwordHash: Schema.String
})
export type BrokerUser = typeof BrokerUser.Type

const UsersFile = Schema.Struct({ users: Schema.Array(BrokerUser) })

export const BrokerLogin = Schema.Struct({
  username: Schema.String.check(Schema.isMinLength(1)),
  password: Schema.String.check(Schema.isMinLength(1))
})
export type BrokerLogin = typeof BrokerLogin.Type

const LoginsFile = Schema.Struct({
  station: Schema.optional(BrokerLogin),
  hub: Schema.optional(BrokerLogin),
  shop: Schema.optional(BrokerLogin)
})
export type BrokerLogins = typeof LoginsFile.Type

const SECRET_MODE = 0o600

/** 256 random bits: a password nobody types, so guessing it is hopeless whatever the hash. */
export const newBrokerPassword = () => randomBytes(32).toString("base64url")

// scrypt at N=2^14: about 30 ms per check on the libuv pool, paid once per CONNECT, never per message.
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const

const derive = (password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key)
    )
  )

export const hashBrokerPassword = async (password: string): Promise<string> => {
  const salt = randomBytes(16)
  const key = await derive(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength)
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$")
}

export const verifyBrokerPassword = async (passwordHash: string, password: string): Promise<boolean> => {
  const [scheme, n, r, p, salt, key] = passwordHash.split("$")
  if (scheme !== "scrypt" || salt === undefined || key === undefined) return false
  const expected = Buffer.from(key, "base64")
  const N = Number(n)
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || expected.length < 16) return false
  const actual = await derive(password, Buffer.from(salt, "base64"), N, Number(r), Number(p), expected.length)
  return timingSafeEqual(actual, expected)
}

/** The principal a user table row stands for; undefined for a station row without its ids. */
export const principalOf = (user: BrokerUser): BrokerPrincipal | undefined => {
  if (user.role !== "station") return { role: user.role }
  return user.siteId === undefined || user.stationId === undefined
    ? undefined
    : { role: "station", siteId: user.siteId, stationId: user.stationId }
}

const readJson = <A>(file: string, schema: Schema.Decoder<A>, what: string): A | undefined => {
  if (!existsSync(file)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix or delete it`)
  }
  const decoded = Effect.runSync(Effect.result(decodeStrict(schema)(raw)))
  if (decoded._tag === "Failure") throw new Error(`${file} is not ${what}:\n${describeProblems(decoded.failure)}`)
  return decoded.success
}

export const readBrokerUsers = (file: string): ReadonlyArray<BrokerUser> =>
  readJson(file, UsersFile, "a broker user table")?.users ?? []

/** Adds a user or replaces the one of the same name (a new password), atomically, mode 0600. */
export const upsertBrokerUser = async (
  file: string,
  username: string,
  principal: BrokerPrincipal,
  password: string
): Promise<void> => {
  const user: BrokerUser = {
    username,
    role: principal.role,
    ...(principal.role === "station" ? { siteId: principal.siteId, stationId: principal.stationId } : {}),
    passwordHash: await hashBrokerPassword(password)
  }
  const users = [...readBrokerUsers(file).filter((existing) => existing.username !== username), user]
  writeFileAtomic(file, `${JSON.stringify({ users }, null, 2)}\n`, SECRET_MODE)
}

export const readBrokerLogins = (dataDir: string): BrokerLogins =>
  readJson(join(dataDir, BROKER_LOGINS_FILE), LoginsFile, "a broker login file") ?? {}

/** Keeps `login` as this machine's login for `role`, atomically, mode 0600. */
export const writeBrokerLogin = (dataDir: string, role: BrokerRole, login: BrokerLogin): void => {
  const logins = { ...readBrokerLogins(dataDir), [role]: login }
  writeFileAtomic(join(dataDir, BROKER_LOGINS_FILE), `${JSON.stringify(logins, null, 2)}\n`, SECRET_MODE)
}

/** The default user names of the hub and the shop side (a fleet may add more with their own names). */
export const defaultUsername = (principal: BrokerPrincipal): string =>
  principal.role === "station"
    ? stationUsername(principal.siteId, principal.stationId)
    : principal.role === "hub"
      ? "packbench-hub"
      : "packbench-shop"

/**
 * The embedded setup's logins, made on first start: the station's (for its current ids: a station whose ids change
 * gets a new one), the embedded hub's and the local simulated shop's, each in the embedded broker's user table and
 * in this machine's login file. Idempotent; returns the logins.
 */
export const ensureEmbeddedLogins = async (
  dataDir: string,
  station: { readonly siteId: string; readonly stationId: string }
): Promise<Required<BrokerLogins>> => {
  const usersFile = join(dataDir, BROKER_USERS_FILE)
  const known = new Set(readBrokerUsers(usersFile).map((user) => user.username))
  const logins = readBrokerLogins(dataDir)
  const principals: Record<BrokerRole, BrokerPrincipal> = {
    station: { role: "station", ...station },
    hub: { role: "hub" },
    shop: { role: "shop" }
  }
  const result: Partial<Record<BrokerRole, BrokerLogin>> = {}
  for (const role of ["station", "hub", "shop"] as const) {
    const principal = principals[role]
    const username = defaultUsername(principal)
    const existing = logins[role]
    const login =
      existing !== undefined && existing.username === username && known.has(username)
        ? existing
        : { username, password: newBrokerPassword() }
    if (login !== existing) {
      await upsertBrokerUser(usersFile, username, principal, login.password)
      writeBrokerLogin(dataDir, role, login)
    }
    result[role] = login
  }
  return result as Required<BrokerLogins>
}

/** The environment variables a hub or shop-side process may take its login from instead of a file. */
export const LOGIN_ENV: Record<
  Exclude<BrokerRole, "station">,
  { readonly username: string; readonly password: string }
> = {
  hub: { username: "PACKBENCH_HUB_BROKER_USERNAME", password: "PACKBENCH_HUB_BROKER_PASSWORD" },
  shop: { username: "PACKBENCH_SHOP_BROKER_USERNAME", password: "PACKBENCH_SHOP_BROKER_PASSWORD" }
}

/**
 * The login a hub or the shop side connects with: from its environment variables when both are set, else from this
 * machine's login file in `dataDir` (made on first start for the embedded setup, or by `packbench hub add-login`).
 */
export const localLogin = (
  role: Exclude<BrokerRole, "station">,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>
): BrokerLogin | undefined => {
  const username = env[LOGIN_ENV[role].username]
  const password = env[LOGIN_ENV[role].password]
  if (username !== undefined && password !== undefined) return { username, password }
  return readBrokerLogins(dataDir)[role]
}

/**
 * A login handed from the broker's side to the machine that uses it (`hub add-station --out`, `hub add-login
 * --out`): its role, its station when it is one, the user name and the password. Written with mode 0600.
 */
export const LoginFile = Schema.Struct({
  role: Role,
  siteId: Schema.optional(StationCode),
  stationId: Schema.optional(StationCode),
  username: Schema.String.check(Schema.isMinLength(1)),
  password: Schema.String.check(Schema.isMinLength(1))
})
export type LoginFile = typeof LoginFile.Type

export const writeLoginFile = (file: string, login: LoginFile): void =>
  writeFileAtomic(file, `${JSON.stringify(login, null, 2)}\n`, SECRET_MODE)

export const readLoginFile = (file: string): LoginFile => {
  const login = readJson(file, LoginFile, "a Packbench broker login")
  if (login === undefined) throw new Error(`${file} does not exist`)
  return login
}
