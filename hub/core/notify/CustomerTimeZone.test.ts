import { describe, expect, it } from "vitest"
import { customerTimeZone, knownCustomerZones } from "./CustomerTimeZone.ts"
import { sendWindow } from "./NotificationRules.ts"
import { defaultNotifySettings as settings } from "./NotifySettings.ts"

const zoneOf = (place: { country?: string; region?: string; postalCode?: string } | undefined, locale: "de" | "en") =>
  customerTimeZone(place, locale, settings.timeZones)

describe("the customer's time zone comes from the shipping address", () => {
  it("takes one-zone countries from the country, whatever the customer's language", () => {
    expect(zoneOf({ country: "DE" }, "en")).toBe("Europe/Berlin")
    expect(zoneOf({ country: "GB" }, "de")).toBe("Europe/London")
    expect(zoneOf({ country: "at" }, "en")).toBe("Europe/Vienna")
  })

  it("takes the region where a country has several zones, by code or by name", () => {
    expect(zoneOf({ country: "US", region: "NY", postalCode: "10001" }, "en")).toBe("America/New_York")
    expect(zoneOf({ country: "US", region: "California" }, "en")).toBe("America/Los_Angeles")
    expect(zoneOf({ country: "US", region: "AZ" }, "en")).toBe("America/Phoenix")
    expect(zoneOf({ country: "CA", region: "BC" }, "en")).toBe("America/Vancouver")
    expect(zoneOf({ country: "CA", region: "Newfoundland and Labrador" }, "en")).toBe("America/St_Johns")
    expect(zoneOf({ country: "AU", region: "WA" }, "en")).toBe("Australia/Perth")
    expect(zoneOf({ country: "BR", region: "AM" }, "de")).toBe("America/Manaus")
    expect(zoneOf({ country: "MX", region: "Baja California" }, "en")).toBe("America/Tijuana")
    expect(zoneOf({ country: "RU", region: "Новосибирская область" }, "de")).toBe("Asia/Novosibirsk")
    expect(zoneOf({ country: "RU", region: "KGD" }, "de")).toBe("Europe/Kaliningrad")
  })

  it("reads a US ZIP code when the state is missing, and the country's main zone when nothing else helps", () => {
    expect(zoneOf({ country: "US", postalCode: "94103" }, "en")).toBe("America/Los_Angeles")
    expect(zoneOf({ country: "US", postalCode: "60601" }, "en")).toBe("America/Chicago")
    expect(zoneOf({ country: "US", postalCode: "96813" }, "en")).toBe("Pacific/Honolulu")
    expect(zoneOf({ country: "US", region: "Atlantis" }, "en")).toBe("America/New_York")
    expect(zoneOf({ country: "RU" }, "en")).toBe("Europe/Moscow")
  })

  it("falls back to the locale's zone for a country the table does not know, or no address", () => {
    expect(zoneOf({ country: "ZZ" }, "en")).toBe("Europe/London")
    expect(zoneOf(undefined, "de")).toBe("Europe/Berlin")
    expect(zoneOf({ country: "__proto__" }, "de")).toBe("Europe/Berlin")
  })

  it("names only zones the runtime knows", () => {
    for (const zone of knownCustomerZones()) {
      expect(() => new Intl.DateTimeFormat("en", { timeZone: zone }), zone).not.toThrow()
    }
  })
})

describe("quiet hours by place, not by language", () => {
  const newYork = zoneOf({ country: "US", region: "NY", postalCode: "10001" }, "en")

  it("holds a mail to New York at 23:00 there until 08:00 New York time, not London's", () => {
    // Tuesday 24 November 2026, 23:00 in New York (EST, UTC−5) is 04:00 on the 25th in UTC and in London.
    const at2300NewYork = Date.UTC(2026, 10, 25, 4, 0)
    expect(sendWindow(at2300NewYork, newYork, settings)).toEqual({
      sendAtMs: Date.UTC(2026, 10, 25, 13, 0),
      deferred: true
    })
    // London's night would have let it out at 08:00 London, 03:00 in New York.
    expect(sendWindow(at2300NewYork, "Europe/London", settings).sendAtMs).toBe(Date.UTC(2026, 10, 25, 8, 0))
  })

  it("sends to New York at 17:00 there although it is night in London", () => {
    const at1700NewYork = Date.UTC(2026, 10, 24, 22, 0)
    expect(sendWindow(at1700NewYork, newYork, settings)).toEqual({ sendAtMs: at1700NewYork, deferred: false })
    expect(sendWindow(at1700NewYork, "Europe/London", settings).deferred).toBe(true)
  })
})
