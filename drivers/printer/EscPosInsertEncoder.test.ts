import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { buildInsert } from "../../core/insert/BrandTemplate.ts"
import { exampleBrand, exampleOrder } from "../../core/insert/exampleBrand.ts"
import { encodeEscPosInsert } from "./EscPosInsertEncoder.ts"
import { parseEscPos } from "./EscPosRenderer.ts"

const indexOf = (haystack: Uint8Array, needle: ReadonlyArray<number>) =>
  Buffer.from(haystack).indexOf(Buffer.from(needle))

describe("encodeEscPosInsert", () => {
  it("starts with ESC @, stores and prints the RMA URL as QR and ends with a cut", async () => {
    const insert = await Effect.runPromise(buildInsert(exampleBrand, exampleOrder))
    const bytes = encodeEscPosInsert(insert)
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40])
    const url = [...Buffer.from(insert.returnUrl, "latin1")]
    const storeLength = url.length + 3
    const store = indexOf(bytes, [0x1d, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30, ...url])
    const print = indexOf(bytes, [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30])
    const cut = indexOf(bytes, [0x1d, 0x56, 0x00])
    expect(store).toBeGreaterThan(0)
    expect(print).toBeGreaterThan(store)
    expect(cut).toBeGreaterThan(print)
    expect(indexOf(bytes, [0x1b, 0x74, 16])).toBeGreaterThan(0)
    expect(indexOf(bytes, [...Buffer.from("Danke, Zo\xeb!", "latin1")])).toBeGreaterThan(0)
  })

  it("reads back as the receipt's lines, QR and cut", async () => {
    const insert = await Effect.runPromise(buildInsert(exampleBrand, { ...exampleOrder, locale: "en" }))
    const blocks = parseEscPos(encodeEscPosInsert(insert))
    const lines = blocks.flatMap((b) => (b.kind === "text" ? [b.segments.map((s) => s.text).join("")] : []))
    expect(lines).toContain("Thank you, Zoë!")
    expect(lines).toContain("2 x Earl Grey Bio 100 g")
    expect(lines).toContain("Earl Grey Bio 100 g: Store cool and dry.")
    expect(blocks.find((b) => b.kind === "qr")).toMatchObject({ data: insert.returnUrl, moduleSize: 6, ec: "M" })
    expect(blocks.at(-1)?.kind).toBe("cut")
  })

  it("sends the logo as a GS v 0 raster image and keeps text in one code page", async () => {
    const logo = { width: 16, height: 2, bits: Uint8Array.of(0xff, 0x00, 0x0f, 0xf0) }
    const insert = await Effect.runPromise(
      buildInsert({ ...exampleBrand, logo }, { ...exampleOrder, customerFirstName: "Łucja" })
    )
    const bytes = encodeEscPosInsert(insert)
    expect(indexOf(bytes, [0x1d, 0x76, 0x30, 0x00, 2, 0, 2, 0, 0xff, 0x00, 0x0f, 0xf0])).toBeGreaterThan(0)
    const lines = parseEscPos(bytes).flatMap((b) => (b.kind === "text" ? [b.segments.map((s) => s.text).join("")] : []))
    expect(lines).toContain("Danke, Lucja!")
  })

  it("refuses a logo whose bits do not match its size", async () => {
    const insert = await Effect.runPromise(buildInsert(exampleBrand, exampleOrder))
    expect(() => encodeEscPosInsert({ ...insert, logo: { width: 16, height: 2, bits: Uint8Array.of(1) } })).toThrow(
      "logo: 16x2 needs 4 bytes of bits, got 1"
    )
  })

  it("prints a shop's control bytes in a name as spaces: they never reach the printer as commands", async () => {
    // Item names come from the shop's catalog and the first name from its order: ESC @ resets the printer, ESC ! sets
    // the print mode, ESC t switches the code page, ESC p kicks the cash drawer, GS V cuts, LF starts a line the shop
    // wrote. Each would be the same command written by the encoder.
    const hostile = "Becher\x1b@\x1bt\x02\x1bp\x00\x19\xfa\x1dV\x00\nRabatt: ALLES100\x7f\x85"
    const encoded = async (firstName: string, name: string) =>
      encodeEscPosInsert(
        await Effect.runPromise(
          buildInsert(exampleBrand, {
            ...exampleOrder,
            customerFirstName: firstName,
            items: [{ sku: "MUG-002", name, quantity: 1 }]
          })
        )
      )
    const plain = await encoded("Zoë", "Becher")
    const bytes = await encoded("Zo\x1b!\x30ë", hostile)
    const count = (job: Uint8Array, command: ReadonlyArray<number>) => {
      const buffer = Buffer.from(job)
      let found = 0
      for (let at = buffer.indexOf(Buffer.from(command)); at >= 0; at = buffer.indexOf(Buffer.from(command), at + 1))
        found++
      return found
    }
    for (const command of [
      [0x1b, 0x40],
      [0x1b, 0x21],
      [0x1b, 0x74],
      [0x1b, 0x70],
      [0x1d, 0x56]
    ]) {
      expect(count(bytes, command), `${command}`).toBe(count(plain, command))
    }
    const lines = parseEscPos(bytes).flatMap((b) => (b.kind === "text" ? [b.segments.map((s) => s.text).join("")] : []))
    expect(lines).toContain("Danke, Zo !0ë!")
    expect(lines).toContain("1 x Becher @ t  p  ú V  Rabatt: ALLES100  ")
    expect(lines.some((line) => line.startsWith("Rabatt"))).toBe(false)
  })
})
