import { describe, expect, it } from "vitest"
import { DeviceConditionCode, DeviceConnection, DeviceKind, type DeviceStatus } from "../../../core/api/StationApi.ts"
import { describeDevice, describeDeviceCondition, describeDeviceDetail } from "./describeDevice.ts"
import { makeTranslator } from "./Translator.ts"

const de = makeTranslator("de")
const en = makeTranslator("en")

const device = (fields: Partial<DeviceStatus>): DeviceStatus => ({
  id: "label-printer",
  kind: "label-printer",
  connection: "simulated",
  where: "/var/lib/packbench/printouts/label",
  state: "unknown",
  condition: "not-used-yet",
  ...fields
})

describe("describeDevice", () => {
  it("names a device by its kind and connection, in German and English, with nothing left to fill in", () => {
    for (const table of [de, en]) {
      const names = DeviceKind.literals.flatMap((kind) =>
        DeviceConnection.literals.map((connection) => describeDevice(table, device({ kind, connection })))
      )
      expect(new Set(names).size).toBe(DeviceKind.literals.length * DeviceConnection.literals.length)
      for (const name of names) expect(name).not.toMatch(/[{}]|device[A-Z]|\.\w/)
    }
    expect(describeDevice(de, device({}))).toBe("Etikettendrucker (simuliert)")
    expect(describeDevice(en, device({}))).toBe("Label printer (simulated)")
    expect(describeDevice(de, device({ kind: "scanner", connection: "serial" }))).toBe("Scanner (seriell)")
    expect(describeDevice(de, device({ kind: "receipt-printer", connection: "network" }))).toBe(
      "Belegdrucker (Netzwerk)"
    )
  })

  it("words every condition in German and English, each its own", () => {
    for (const table of [de, en]) {
      const words = DeviceConditionCode.literals.map((condition) =>
        describeDeviceCondition(table, device({ condition }))
      )
      expect(new Set(words).size).toBe(DeviceConditionCode.literals.length)
      for (const word of words) expect(word).not.toMatch(/[{}]|deviceCondition\./)
    }
    for (const condition of DeviceConditionCode.literals)
      expect(describeDeviceCondition(de, device({ condition }))).not.toBe(
        describeDeviceCondition(en, device({ condition }))
      )
    expect(describeDeviceCondition(de, device({ condition: "connected" }))).toBe("verbunden")
    expect(describeDeviceCondition(de, device({ condition: "not-used-yet" }))).toBe("noch nicht benutzt")
  })

  it("keeps the driver's own words as a quiet detail, hostile text untouched", () => {
    expect(describeDeviceDetail(de, device({}))).toBeUndefined()
    expect(describeDeviceDetail(de, device({ detail: "ECONNREFUSED {detail} <b>x</b>" }))).toBe(
      "Details: ECONNREFUSED {detail} <b>x</b>"
    )
  })
})
