import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { stationCommand } from "./station.ts"

const login = { role: "station", siteId: "HAM1", stationId: "PACK-01", username: "pack-01", password: "secret" }

const enroll = async (identity: string | undefined) => {
  const cwd = mkdtempSync(join(tmpdir(), "pb-enroll-"))
  mkdirSync(join(cwd, "data"))
  if (identity !== undefined) writeFileSync(join(cwd, "data", "identity.json"), identity)
  writeFileSync(join(cwd, "login.json"), JSON.stringify(login))
  const captured = capturedIo({ cwd })
  const code = await stationCommand.run(["enroll", "login.json", "--data-dir", "data"], captured.io)
  return { code, ...captured.output(), dataDir: join(cwd, "data") }
}

describe("packbench station enroll", () => {
  it("names a data dir's identity.json that is not valid, and enrols nothing", async () => {
    for (const identity of ["{not json", '{"siteId":"HAM1"}']) {
      const result = await enroll(identity)
      expect(result.code, identity).toBe(1)
      expect(result.err, identity).toMatch(
        /^packbench station: .*identity\.json is not (valid JSON|a station identity)/
      )
      expect(result.out, identity).toBe("")
    }
  })

  it("enrols a fresh data dir with the login's ids", async () => {
    const result = await enroll(undefined)
    expect(result.code, result.err).toBe(0)
    expect(JSON.parse(readFileSync(join(result.dataDir, "identity.json"), "utf8"))).toEqual({
      siteId: "HAM1",
      stationId: "PACK-01"
    })
  })
})
