/** Writes mosquitto's password and ACL files with the same roles as the embedded broker. */
import { pbkdf2Sync, randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type BrokerPrincipal, mosquittoAclBlock } from "../../core/sync/BrokerRoles.ts"
import { writeFileAtomic } from "../fs/writeFileAtomic.ts"
import { PROJECT_ROOT } from "../station/ProjectPaths.ts"

/**
 * mosquitto's password and ACL files, written the way `mosquitto_passwd` and an operator would, so a fleet's broker
 * enforces the same roles as the embedded one. Both files are replaced atomically with mode 0600 (mosquitto warns
 * about a password file others can read): give them to the user mosquitto runs as.
 */

/** The ACL file the repo ships: the hub's and the shop side's blocks; stations are appended as they are enrolled. */
export const SHIPPED_ACL_FILE = join(PROJECT_ROOT, "drivers", "mqtt", "mosquitto", "packbench.acl")

export const MOSQUITTO_PASSWORD_FILE = "passwords"
export const MOSQUITTO_ACL_FILE = "acl"

/**
 * One line of a mosquitto 2 password file: `user:$7$<iterations>$<salt>$<hash>`, PBKDF2-HMAC-SHA512 over a 12-byte
 * salt with mosquitto_passwd's 101 iterations (mosquitto's `$7$` format, read by mosquitto 2.0 and later).
 */
export const mosquittoPasswordLine = (username: string, password: string, iterations = 101): string => {
  if (/[:\s]/.test(username)) throw new Error(`a mosquitto user name cannot hold ":" or spaces: ${username}`)
  const salt = randomBytes(12)
  const hash = pbkdf2Sync(password, salt, iterations, 64, "sha512")
  return `${username}:$7$${iterations}$${salt.toString("base64")}$${hash.toString("base64")}`
}

const linesOf = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n") : [])

/** Adds `username` to the password file, or gives it the new password. */
export const upsertMosquittoPassword = (file: string, username: string, password: string): void => {
  const lines = linesOf(file).filter((line) => line.trim() !== "" && !line.startsWith(`${username}:`))
  writeFileAtomic(file, `${[...lines, mosquittoPasswordLine(username, password)].join("\n")}\n`, 0o600)
}

/**
 * Adds `username`'s block to the ACL file, or replaces it: a block runs from its `user` line to the next `user` or
 * `pattern` line. A file that does not exist yet starts as the shipped one.
 */
export const upsertMosquittoAcl = (file: string, username: string, principal: BrokerPrincipal): void => {
  const lines = existsSync(file) ? linesOf(file) : readFileSync(SHIPPED_ACL_FILE, "utf8").split("\n")
  const kept: Array<string> = []
  let skipping = false
  for (const line of lines) {
    const trimmed = line.trim()
    if (trimmed.startsWith("user ") || trimmed.startsWith("pattern ")) skipping = trimmed === `user ${username}`
    if (!skipping) kept.push(line)
  }
  while (kept.length > 0 && kept[kept.length - 1]?.trim() === "") kept.pop()
  writeFileAtomic(file, `${kept.join("\n")}\n\n${mosquittoAclBlock(username, principal)}\n`, 0o600)
}
