import { createServer, type Server } from "node:http"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CustomerMetricsSource } from "../../core/metrics/CustomerMetricsSource.ts"
import { startOversizeAnswerServer } from "../../fixtures/http/OversizeAnswerServer.ts"
import { freePort } from "../net/LoopbackPort.ts"
import { layerHttpCustomerMetrics } from "./HttpCustomerMetrics.ts"

const window = { fromMs: 1_000, toMs: 2_000 }
let server: Server
let url = ""
let answer = { status: 200, body: "{}" }
const authorizations: Array<string | undefined> = []

beforeAll(async () => {
  server = createServer((request, response) => {
    authorizations.push(request.headers.authorization)
    response.writeHead(answer.status, { "content-type": "application/json" })
    response.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const ask = (hubUrl: string | undefined, token: string | null = "station-metrics-token-0123") =>
  Effect.runPromise(
    Effect.flip(
      Effect.flatMap(Effect.service(CustomerMetricsSource), (source) => source.customer(window)).pipe(
        Effect.provide(
          layerHttpCustomerMetrics(() =>
            hubUrl === undefined ? undefined : { url: hubUrl, token: token ?? undefined }
          )
        )
      )
    )
  )

describe("customer metrics from a hub over HTTP", () => {
  it("says why it has no figures: no hub, a hub that does not answer, an answer it cannot use", async () => {
    expect(await ask(undefined)).toMatchObject({ reason: "NoHub" })
    const closed = await freePort()
    expect(await ask(`http://127.0.0.1:${closed}`)).toMatchObject({ reason: "Unreachable" })
    answer = { status: 400, body: '{"error":"from must be before to"}' }
    expect(await ask(url)).toMatchObject({
      reason: "BadAnswer",
      message: `The hub at ${url} answered 400: {"error":"from must be before to"}`
    })
    answer = { status: 200, body: '{"fromMs":1}' }
    expect(await ask(url)).toMatchObject({ reason: "BadAnswer" })
  })

  it("sends the hub's metrics token, and says so when the hub refuses it or none is configured", async () => {
    authorizations.length = 0
    answer = { status: 401, body: '{"error":"token"}' }
    expect(await ask(url)).toMatchObject({ reason: "Refused", message: expect.stringMatching(/refused this station/) })
    expect(authorizations).toEqual(["Bearer station-metrics-token-0123"])
    expect(await ask(url, null)).toMatchObject({ reason: "Refused", message: expect.stringMatching(/asks for/) })
    expect(authorizations[1]).toBeUndefined()
  })

  it("reads no more of the hub's answer than its bound, and says so", async () => {
    const oversize = await startOversizeAnswerServer(50_000)
    try {
      const refused = await Effect.runPromise(
        Effect.flip(
          Effect.flatMap(Effect.service(CustomerMetricsSource), (source) => source.customer(window)).pipe(
            Effect.provide(layerHttpCustomerMetrics(() => ({ url: oversize.url, token: undefined }), 10_000))
          )
        )
      )
      expect(refused).toMatchObject({
        reason: "BadAnswer",
        message: `The hub at ${oversize.url} answered with more than 10000 bytes; not read`
      })
    } finally {
      await oversize.close()
    }
  })
})
