import { describe, expect, it } from "vitest"
import { withoutPassword } from "./ServerAddress.ts"

describe("withoutPassword", () => {
  it.each([
    ["mqtt://pack-01:s3cret@broker.example:1883", "mqtt://pack-01:***@broker.example:1883"],
    ["smtps://mailer:p%40ss:word@mail.example", "smtps://mailer:***@mail.example"],
    ["postgres://hub:x@[::1]:5432/hub", "postgres://hub:***@[::1]:5432/hub"],
    ["MQTTS://Pack:Secret@Broker", "MQTTS://Pack:***@Broker"],
    ["mqtt://:onlypassword@broker", "mqtt://:***@broker"]
  ])("leaves the password of %s out", (url, shown) => {
    expect(withoutPassword(url)).toBe(shown)
  })

  it.each([
    "mqtt://broker.example:1883",
    "mqtt://pack-01@broker.example",
    "https://hub.example/t/a:b@c",
    "https://hub.example/?q=a:b@c",
    "not a url: a:b@c"
  ])("leaves %s as it is (no password in a user part)", (url) => {
    expect(withoutPassword(url)).toBe(url)
  })
})
