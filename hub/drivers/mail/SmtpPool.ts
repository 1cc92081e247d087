/**
 * A bounded pool of SMTP connections for messages composed whole beforehand (MimeMessage.ts). Each connection is
 * nodemailer's `SMTPConnection` (greeting, EHLO, STARTTLS when offered or TLS from the start, AUTH, PIPELINING,
 * dot-stuffing, timeouts); the pool around it is ours. nodemailer's own pool sends a mail object: it wraps every
 * message in a Mail, a MailComposer and a MimeNode, and streams it through them, even a raw one. That cost ~0.2 ms of
 * CPU a mail on the hub, as much as everything else the hub does for a mail at 1,000 mails/s.
 *
 * What the pool does with each connection's failures:
 * - a refused envelope or message (a 4xx or 5xx reply to MAIL FROM, RCPT TO or the data, other than 421) fails that
 *   mail; the session is reset with RSET and the connection goes on with the next mail;
 * - a connection the server closes while idle (its idle timeout, a 421 on shutdown) leaves the pool; the next mail
 *   opens another;
 * - a mail whose reused connection turns out closed when it starts (no reply at all, or a 421) goes out again once,
 *   over another connection: the server never took it. A fresh connection's failure is the mail's;
 * - a connection that cannot be opened (refused, timed out, TLS or AUTH failing) fails the mail it was opened for,
 *   so mails never wait for a server that is down.
 */
import SMTPConnection, { type SMTPConnectionOptions } from "nodemailer/lib/smtp-connection"

export interface SmtpEnvelope {
  readonly from: string
  readonly to: ReadonlyArray<string>
}

export interface SmtpPoolOptions {
  /** Where and how to connect: host, port, secure, auth as nodemailer's connection URL parser gives them. */
  readonly connection: SMTPConnectionOptions & {
    readonly auth?: { readonly user: string; readonly pass: string } | undefined
  }
  readonly maxConnections: number
  /** One timeout for connecting, the server's greeting, each reply and an idle socket. */
  readonly timeoutMs: number
}

/** The server's reply to the data, or the error: nodemailer's, with its `code` and the server's `responseCode`. */
export type SmtpSendCallback = (error: unknown, response?: string) => void

interface Job {
  readonly envelope: SmtpEnvelope
  readonly raw: string
  readonly done: SmtpSendCallback
  /** Sent again once already because its reused connection was found closed. */
  retried: boolean
  /** `done` was called: a closing pool fails mails in flight, and their connection's callback may come after. */
  finished: boolean
}

const finish = (job: Job, error: unknown, response?: string) => {
  if (job.finished) return
  job.finished = true
  job.done(error, response)
}

interface Live {
  readonly connection: SMTPConnection
  state: "opening" | "busy" | "idle" | "gone"
  sent: number
  /** The mail it is opening for or sending. */
  job: Job | undefined
}

/** The server's reply code on one of nodemailer's errors; undefined when no reply came. */
export const responseCodeOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && "responseCode" in error && typeof error.responseCode === "number"
    ? error.responseCode
    : undefined

/** nodemailer's error code (`EENVELOPE`, `ECONNECTION`, `ETIMEDOUT`, …). */
export const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/** A failure of this mail's envelope or data, not of the connection, the login or TLS. */
export const aboutTheMail = (error: unknown) => {
  const code = codeOf(error)
  return code === "EENVELOPE" || code === "EMESSAGE"
}

/** A reply that refuses this mail, not the session: RSET and the connection serves the next mail. */
const refusesTheMail = (error: unknown) => {
  const responseCode = responseCodeOf(error)
  return aboutTheMail(error) && responseCode !== undefined && responseCode !== 421
}

/** The connection was gone when the mail started: no reply at all, or the server's 421 closing it. */
const foundClosed = (error: unknown) => {
  const responseCode = responseCodeOf(error)
  return responseCode === 421 || (responseCode === undefined && codeOf(error) === "ECONNECTION")
}

const poolClosed = () => Object.assign(new Error("the SMTP pool is closed"), { code: "ECONNECTION" })

export const makeSmtpPool = (options: SmtpPoolOptions) => {
  const queue: Array<Job> = []
  const idle: Array<Live> = []
  const all = new Set<Live>()
  let closed = false

  const connectionOptions: SMTPConnectionOptions = {
    ...options.connection,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    logger: false
  }

  /** Out of the pool for good; the next queued mail may open a connection in its place. */
  const drop = (live: Live) => {
    if (live.state === "gone") return
    const wasIdle = live.state === "idle"
    live.state = "gone"
    all.delete(live)
    if (wasIdle) idle.splice(idle.indexOf(live), 1)
    live.connection.close()
    pump()
  }

  const release = (live: Live) => {
    if (live.state === "gone") return
    live.state = "idle"
    idle.push(live)
    pump()
  }

  const send = (live: Live, job: Job) => {
    live.state = "busy"
    live.job = job
    const reused = live.sent > 0
    live.connection.send({ from: job.envelope.from, to: [...job.envelope.to] }, job.raw, (error, info) => {
      live.sent++
      live.job = undefined
      if (error === null || error === undefined) {
        release(live)
        finish(job, undefined, info?.response ?? "accepted")
        return
      }
      if (refusesTheMail(error) && live.state !== "gone") {
        live.connection.reset((resetError) => (resetError ? drop(live) : release(live)))
        finish(job, error)
        return
      }
      const again = reused && !job.retried && !closed && foundClosed(error)
      // First in line again before the dropped connection's place is handed on.
      if (again) {
        job.retried = true
        queue.unshift(job)
      }
      drop(live)
      if (!again) finish(job, error)
    })
  }

  /** A new connection for `job`, which fails with it when it cannot be opened. */
  const open = (job: Job) => {
    const connection = new SMTPConnection(connectionOptions)
    const live: Live = { connection, state: "opening", sent: 0, job }
    all.add(live)
    const failOpening = (error: unknown) => {
      if (live.state !== "opening") return
      drop(live)
      finish(job, error)
    }
    connection.on("error", (error: unknown) => {
      // While sending, the send's callback has the same error and decides; idle, it is the server hanging up.
      if (live.state === "opening") failOpening(error)
      else if (live.state === "idle") drop(live)
    })
    connection.once("end", () => {
      if (live.state === "opening") {
        failOpening(Object.assign(new Error("the SMTP server closed the connection"), { code: "ECONNECTION" }))
      } else if (live.state !== "busy") drop(live)
    })
    connection.connect((error) => {
      if (error !== undefined) return failOpening(error)
      if (live.state !== "opening") return
      const auth = options.connection.auth
      if (auth === undefined) return send(live, job)
      connection.login({ user: auth.user, pass: auth.pass }, (loginError) => {
        if (loginError) failOpening(loginError)
        else if (live.state === "opening") send(live, job)
      })
    })
  }

  /** Hands queued mails to idle connections, and opens connections for the rest up to the bound. */
  const pump = () => {
    while (queue.length > 0 && !closed) {
      const live = idle.pop()
      if (live !== undefined) send(live, queue.shift()!)
      else if (all.size < options.maxConnections) open(queue.shift()!)
      else return
    }
  }

  return {
    /** Sends one message; `done` is called once, with the server's reply to the data or the error. */
    send: (envelope: SmtpEnvelope, raw: string, done: SmtpSendCallback) => {
      if (closed) return done(poolClosed())
      queue.push({ envelope, raw, done, retried: false, finished: false })
      pump()
    },
    /** Open connections, for tests and figures. */
    size: () => all.size,
    /**
     * Quits idle connections, closes the others, and fails the mails still queued or in flight (a mail in flight
     * may have reached the server all the same: the sender's claim on it is what tells).
     */
    close: () => {
      closed = true
      for (const job of queue.splice(0)) finish(job, poolClosed())
      for (const live of [...all]) {
        if (live.state === "idle") live.connection.quit()
        if (live.job !== undefined) finish(live.job, poolClosed())
        drop(live)
      }
    }
  }
}

export type SmtpPool = ReturnType<typeof makeSmtpPool>
