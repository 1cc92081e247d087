import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { fixture } from "../../fixtures/SeededStation.ts"
import { Badge } from "./Badge.ts"

describe("the badge list", () => {
  it("takes the sample badges, whose manager has a PIN hash", () => {
    const badges = Schema.decodeUnknownSync(Schema.Array(Badge))(fixture("badges.json"))
    expect(badges.find((badge) => badge.role === "manager")?.pinHash).toMatch(/^scrypt\$/)
  })

  it("refuses a manager badge without a PIN hash, and a PIN in plain text", () => {
    const decode = Schema.decodeUnknownExit(Badge)
    expect(decode({ badgeId: "B-9002", name: "Ada", role: "manager" })._tag).toBe("Failure")
    expect(decode({ badgeId: "B-9002", name: "Ada", role: "manager", pinHash: "4711" })._tag).toBe("Failure")
    expect(decode({ badgeId: "B-1003", name: "Ben", role: "packer" })._tag).toBe("Success")
  })
})
