import { describe, expect, it } from "vitest"
import { detectPoBox } from "./detectPoBox.ts"

describe("detectPoBox", () => {
  it.each([
    "PO Box 123",
    "P.O. Box 55",
    "Post Office Box 9",
    "Postfach 10 01 23",
    "Postbus 1234",
    "Boîte postale 12",
    "BP 45",
    "Casella postale 7",
    "Apartado de correos 12",
    "Box 1234"
  ])("%j is a post-office box", (line) => {
    expect(detectPoBox(line)).toBe("po-box")
  })

  it.each(["Packstation 123", "Postfiliale 512", "packstation 101"])("%j is a DHL pick-up point", (line) => {
    expect(detectPoBox(line)).toBe("packstation")
  })

  it.each(["Boxhagener Straße 12", "Postbusweg 3", "Hauptstraße 5", "Bpm-Allee 4", "Sandbox Road 2", "Postplatz 1"])(
    "%j is a street",
    (line) => {
      expect(detectPoBox(line)).toBeUndefined()
    }
  )
})
