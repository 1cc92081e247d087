import { pbkdf2Sync } from "node:crypto"
import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { mosquittoAclBlock } from "../../core/sync/BrokerRoles.ts"
import {
  mosquittoPasswordLine,
  SHIPPED_ACL_FILE,
  upsertMosquittoAcl,
  upsertMosquittoPassword
} from "./MosquittoFiles.ts"

const blocksOf = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .join("\n")

describe("mosquitto files", () => {
  it("ships an ACL file that grants the hub and the shop exactly what the embedded broker grants them", () => {
    expect(blocksOf(readFileSync(SHIPPED_ACL_FILE, "utf8"))).toBe(
      [mosquittoAclBlock("packbench-hub", { role: "hub" }), mosquittoAclBlock("packbench-shop", { role: "shop" })].join(
        "\n"
      )
    )
  })

  it("writes mosquitto's $7$ PBKDF2-SHA512 password lines", () => {
    const line = mosquittoPasswordLine("HAM1.PACK-01", "secret")
    const [user, hash] = line.split(":") as [string, string]
    const [, scheme, iterations, salt, key] = hash.split("$")
    expect({ user, scheme, iterations }).toEqual({ user: "HAM1.PACK-01", scheme: "7", iterations: "101" })
    expect(pbkdf2Sync("secret", Buffer.from(salt!, "base64"), 101, 64, "sha512").toString("base64")).toBe(key)
  })

  it("adds a login or replaces its password and its block, and keeps both files 0600", () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-mosquitto-files-"))
    const passwords = join(dir, "passwords")
    const acl = join(dir, "acl")
    const station = { role: "station", siteId: "HAM1", stationId: "PACK-01" } as const
    upsertMosquittoPassword(passwords, "HAM1.PACK-01", "one")
    upsertMosquittoPassword(passwords, "packbench-hub", "two")
    upsertMosquittoPassword(passwords, "HAM1.PACK-01", "three")
    const lines = readFileSync(passwords, "utf8").trim().split("\n")
    expect(lines.map((line) => line.split(":")[0])).toEqual(["packbench-hub", "HAM1.PACK-01"])
    upsertMosquittoAcl(acl, "HAM1.PACK-01", station)
    upsertMosquittoAcl(acl, "HAM1.PACK-01", station)
    const text = readFileSync(acl, "utf8")
    expect(text.match(/^user HAM1\.PACK-01$/gm)).toHaveLength(1)
    expect(text).toContain(mosquittoAclBlock("packbench-hub", { role: "hub" }))
    expect(text).toContain(mosquittoAclBlock("HAM1.PACK-01", station))
    expect(statSync(passwords).mode & 0o777).toBe(0o600)
    expect(statSync(acl).mode & 0o777).toBe(0o600)
  })
})
