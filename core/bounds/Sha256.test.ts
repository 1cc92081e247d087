import { createHash, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { sha256Hex } from "./Sha256.ts"
import { encodeUtf8 } from "./Utf8.ts"

describe("sha256Hex", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(sha256Hex(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(sha256Hex(encodeUtf8("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(sha256Hex(encodeUtf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    )
  })

  it("agrees with Node's crypto at every length around the block boundaries and on a large payload", () => {
    for (const length of [1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 4096, 1_048_577]) {
      const bytes = randomBytes(length)
      expect(sha256Hex(bytes), `length ${length}`).toBe(createHash("sha256").update(bytes).digest("hex"))
    }
  })
})
