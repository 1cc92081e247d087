// The mail server and the broker of `bench:hub-latency` in a process of their own: in the field the hub's SMTP relay
// and its broker are other programs, often other machines, so neither may wait for the hub's event loop (nor the hub
// for theirs). In the hub's process, parsing each accepted mail and routing each packet took the CPU the hub needed.
// Prints "ready <smtp url> <mqtt url>" once both listen, then one JSON line per accepted mail: its id, its To
// header and when the server accepted it (wall clock, as the bench's own stamps). A line "raw <id>" on stdin is
// answered with a JSON line holding that mail's raw text and its parts (subject, text, HTML, headers). Stops when its
// stdin closes.
//   node --import tsx bench/mailPeerProcess.ts
import { createInterface } from "node:readline"
import { startEmbeddedBroker } from "../drivers/mqtt/EmbeddedBroker.ts"
import { startTestSmtpServer } from "../fixtures/mail/TestSmtpServer.ts"

const smtp = await startTestSmtpServer()
const broker = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
process.stdout.write(`ready ${smtp.url} ${broker.url}\n`)

let reported = 0
const report = () => {
  const count = smtp.count()
  if (count === reported) return
  const mails = smtp.messages()
  for (; reported < count; reported++) {
    const mail = mails[reported]!
    process.stdout.write(`${JSON.stringify({ id: mail.id, to: mail.headers.to, acceptedAtMs: mail.acceptedAtMs })}\n`)
  }
}
const timer = setInterval(report, 5)

const lines = createInterface({ input: process.stdin })
lines.on("line", (line) => {
  const id = /^raw (\S+)$/.exec(line)?.[1]
  if (id === undefined) throw new Error(`bench/mailPeerProcess.ts: unknown request ${JSON.stringify(line)}`)
  const mail = smtp.messages().find((candidate) => candidate.id === id)
  if (mail === undefined) throw new Error(`bench/mailPeerProcess.ts: no mail ${id}`)
  const { raw, subject, text, html, headers } = mail
  process.stdout.write(`${JSON.stringify({ rawOf: id, raw, subject, text, html, headers })}\n`)
})
lines.on("close", () => {
  clearInterval(timer)
  report()
  void Promise.all([broker.close(), smtp.stop()]).then(() => process.exit(0))
})
