import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { startTestSmtpServer } from "../../../fixtures/mail/TestSmtpServer.ts"
import { Mailer, type OutgoingMail } from "../../core/notify/Mailer.ts"
import { layerSmtpMailer } from "./SmtpMailer.ts"

const servers: Array<Awaited<ReturnType<typeof startTestSmtpServer>>> = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop()
})

const mail = (index: number): OutgoingMail => ({
  messageId: `<n-${index}@notify.packbench>`,
  from: "Alpenglow <shop@alpenglow.test>",
  to: `customer-${index}@example.test`,
  subject: `Bestellung ${index}`,
  text: "Hallo",
  html: "<p>Hallo</p>",
  language: "de"
})

describe("SMTP mailer against a real SMTP server", () => {
  it("keeps its pool's connections open for mail after mail, and sends each mail once with its Message-ID", async () => {
    const smtp = await startTestSmtpServer()
    servers.push(smtp)
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const mailer = yield* Mailer
          // One after the other, then as many at once as the sender hands it.
          for (let index = 0; index < 5; index++) yield* mailer.send(mail(index))
          yield* Effect.forEach(
            Array.from({ length: 20 }, (_, index) => mail(5 + index)),
            (each) => mailer.send(each),
            { concurrency: mailer.concurrency ?? 1, discard: true }
          )
          return mailer.concurrency
        })
      ).pipe(Effect.provide(layerSmtpMailer({ url: smtp.url, maxConnections: 2, timeoutMs: 10_000 })))
    )
    expect(result).toBe(8)
    expect(smtp.refused()).toEqual([])
    expect(smtp.connections()).toBeLessThanOrEqual(2)
    expect(
      smtp
        .messages()
        .map((each) => each.headers["message-id"])
        .sort()
    ).toEqual(Array.from({ length: 25 }, (_, index) => `<n-${index}@notify.packbench>`).sort())
  })

  it("sends the mail whole: its headers, both parts in UTF-8, and only the one recipient in the envelope", async () => {
    const smtp = await startTestSmtpServer()
    servers.push(smtp)
    await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Mailer, (mailer) =>
          mailer.send({
            messageId: "<n-umlaut@notify.packbench>",
            from: "Alpenglow Größen <shop@alpenglow.test>",
            to: "jürgen@example.test",
            subject: "Deine Bestellung SO-1 ist unterwegs – Grüße aus Köln",
            text: "Hallo Jürgen,\n.\nein Punkt allein auf einer Zeile bleibt stehen.",
            html: "<p>Hallo Jürgen, schöne Grüße</p>",
            language: "de",
            unsubscribeUrl: "https://track.test/u/token-1"
          })
        )
      ).pipe(Effect.provide(layerSmtpMailer({ url: smtp.url, maxConnections: 1, timeoutMs: 10_000 })))
    )
    const [received] = smtp.messages()
    expect(received?.envelope).toEqual({ from: "shop@alpenglow.test", to: ["jürgen@example.test"] })
    expect(received?.headers["message-id"]).toBe("<n-umlaut@notify.packbench>")
    expect(received?.headers.from).toBe('"Alpenglow Größen" <shop@alpenglow.test>')
    expect(received?.headers.to).toBe("jürgen@example.test")
    expect(received?.subject).toBe("Deine Bestellung SO-1 ist unterwegs – Grüße aus Köln")
    expect(received?.headers["content-language"]).toBe("de")
    expect(received?.headers["list-unsubscribe"]).toBe("<https://track.test/u/token-1>")
    expect(received?.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click")
    expect(received?.headers.date).toBeDefined()
    expect(received?.text?.trim()).toBe("Hallo Jürgen,\n.\nein Punkt allein auf einer Zeile bleibt stehen.")
    expect(received?.html).toBe("<p>Hallo Jürgen, schöne Grüße</p>")
  })
})
