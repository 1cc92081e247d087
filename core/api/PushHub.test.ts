import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { PushHub } from "./PushHub.ts"
import type { PushMessage } from "./StationApi.ts"

const alert = (code: string) => ({ level: "info" as const, code, message: code })

describe("pushes per client", () => {
  it("sends the station's pushes to everyone, a client's own only to its connections, and one payload per client", async () => {
    const received = await Effect.runPromise(
      Effect.gen(function* () {
        const hub = yield* PushHub
        const got: Record<string, Array<PushMessage>> = { a1: [], a2: [], b: [], local: [] }
        hub.subscribe((message) => got.a1!.push(message), "web-a")
        hub.subscribe((message) => got.a2!.push(message), "web-a")
        const stopB = hub.subscribe((message) => got.b!.push(message), "web-b")
        hub.subscribe((message) => got.local!.push(message))
        yield* hub.publish("alert", alert("everyone"))
        yield* hub.publishTo("web-a", "alert", alert("only-a"))
        const asked: Array<string> = []
        yield* hub.publishEach("alert", (clientId) =>
          Effect.sync(() => {
            asked.push(clientId)
            return alert(`for-${clientId}`)
          })
        )
        stopB()
        yield* hub.publish("alert", alert("after-b-left"))
        const codes = (messages: Array<PushMessage>) =>
          messages.map((message) => (message.payload as { code: string }).code)
        return {
          a1: codes(got.a1!),
          a2: codes(got.a2!),
          b: codes(got.b!),
          local: codes(got.local!),
          asked: asked.sort()
        }
      }).pipe(Effect.provide(PushHub.layer))
    )
    expect(received.a1).toEqual(["everyone", "only-a", "for-web-a", "after-b-left"])
    expect(received.a2).toEqual(received.a1)
    expect(received.b).toEqual(["everyone", "for-web-b"])
    expect(received.local).toEqual(["everyone", "for-local", "after-b-left"])
    expect(received.asked).toEqual(["local", "web-a", "web-b"])
  })
})
