import { describe, expect, it } from "vitest"
import { emailAddressProblem, isEmailAddress } from "./EmailAddress.ts"

describe("emailAddressProblem", () => {
  it("accepts one plain address, with the characters RFC 5322 allows and UTF-8 (RFC 6532)", () => {
    for (const address of [
      "anna.schmidt@example.com",
      "a@example.de",
      "o'brien+returns@mail.example.co.uk",
      "x_y-z@sub-domain.example.org",
      "jörg@müller.example",
      "!#$%&'*+-/=?^_`{|}~@example.com"
    ]) {
      expect(emailAddressProblem(address), address).toBeUndefined()
    }
  })

  it("refuses header injection, lists, display names and anything that is not one address", () => {
    const refused = {
      "a@example.com\r\nBcc: spy@evil.example": "whitespace or a control",
      "a@example.com\nBcc: spy@evil.example": "whitespace or a control",
      "a@example.com, spy@evil.example": "whitespace or a control",
      "a@example.com,spy@evil.example": "not a single plain address",
      "a@example.com;spy@evil.example": "not a single plain address",
      "Anna <a@example.com>": "whitespace or a control",
      "<a@example.com>": "not a single plain address",
      '"a b"@example.com': "whitespace or a control",
      '"ab"@example.com': "not a single plain address",
      "a@b@example.com": "exactly one @",
      "@example.com": "exactly one @",
      "a@": "needs a domain with a dot",
      "a@localhost": "needs a domain with a dot",
      "a..b@example.com": "not a dot-atom",
      ".a@example.com": "not a dot-atom",
      "a@-example.com": "not a host name",
      "a@example..com": "not a host name",
      "a@1.2.3.4": "numeric top-level domain",
      "a@example.com\u0000": "whitespace or a control",
      "a\u200b@example.com": "whitespace or a control",
      "": "is empty"
    }
    for (const [address, problem] of Object.entries(refused)) {
      expect(emailAddressProblem(address), JSON.stringify(address)).toContain(problem)
    }
    expect(isEmailAddress(`${"a".repeat(65)}@example.com`)).toBe(false)
    expect(isEmailAddress(`a@${"b".repeat(250)}.com`)).toBe(false)
  })
})
