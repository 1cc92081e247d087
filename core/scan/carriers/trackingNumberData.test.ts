import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { allFormats, checksumOf, dataDir, dataSource, readSources } from "./generate.mjs"

/** Git's blob id of a file's bytes: what `git ls-tree` prints for it at the upstream commit. */
const blobId = (bytes: Buffer) =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex")

describe("the vendored tracking_number_data", () => {
  const source = dataSource()

  it("is an unmodified copy of the files SOURCE.json names, at the commit it names", () => {
    expect(source.repository).toBe("https://github.com/jkeen/tracking_number_data")
    expect(source.commit).toMatch(/^[0-9a-f]{40}$/)
    const vendored = [
      "LICENSE",
      ...readdirSync(`${dataDir}couriers`)
        .sort()
        .map((file) => `couriers/${file}`)
    ]
    expect(vendored).toEqual(Object.keys(source.files).sort())
    for (const path of vendored) expect(blobId(readFileSync(`${dataDir}${path}`)), path).toBe(source.files[path])
    expect(readFileSync(`${dataDir}LICENSE`, "utf8")).toMatch(/^MIT License\s+Copyright \(c\) 2017 Jeff Keen/)
  })

  it("has every courier file read into formats, and every format's samples with it", () => {
    const { dataCouriers, packbench } = readSources()
    expect(dataCouriers.map((c) => c.file)).toEqual(
      Object.keys(source.files)
        .filter((path) => path.startsWith("couriers/"))
        .map((path) => path.slice("couriers/".length))
    )
    const fromData = allFormats(dataCouriers, packbench).filter((f) => f.source === "tracking_number_data")
    const declared = dataCouriers.flatMap(
      ({ courier }) => (courier as { tracking_numbers: ReadonlyArray<unknown> }).tracking_numbers
    )
    expect(fromData).toHaveLength(declared.length)
  })

  it("refuses a checksum checkDigits.ts does not implement, or one stating constants it does not run on", () => {
    expect(checksumOf({ checksum: { name: "luhn", modulo: 10 } }, "x")).toMatchObject({ name: "luhn" })
    expect(() => checksumOf({ checksum: { name: "verhoeff" } }, "x")).toThrow(/unknown checksum "verhoeff"/)
    expect(() => checksumOf({ checksum: { name: "mod10", modulo: 11 } }, "x")).toThrow(/constants/)
    expect(() => checksumOf({ checksum: { name: "s10", weightings: [8, 6, 4, 2, 3, 5, 9, 1] } }, "x")).toThrow(
      /constants/
    )
    expect(() => checksumOf({ checksum: { name: "mod_37_36", alphabet: "0123456789" } }, "x")).toThrow(/constants/)
    expect(() => checksumOf({ checksum: { name: "mod7", offset: 1 } }, "x")).toThrow(/unknown key "offset"/)
    expect(() => checksumOf({ checksum: { name: "toString" } }, "x")).toThrow(/unknown checksum/)
  })
})
