import { describe, expect, it } from "vitest"
import { listenHostProblem } from "./listenHostProblem.ts"

describe("listenHostProblem", () => {
  it("passes an address of this machine and the wildcard", async () => {
    expect(await listenHostProblem("127.0.0.1", "http.host")).toBeUndefined()
    expect(await listenHostProblem("0.0.0.0", "http.host")).toBeUndefined()
  })

  it("names the setting, the host and why for an address of another machine and a name that resolves to none", async () => {
    expect(await listenHostProblem("203.0.113.7", "--host")).toBe(
      '--host: cannot listen on "203.0.113.7": it is not an address of this machine (EADDRNOTAVAIL)'
    )
    expect(await listenHostProblem("no-such-host.invalid", "http.host")).toMatch(
      /^http\.host: cannot listen on "no-such-host\.invalid": the name resolves to no address \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)$/
    )
  })
})
