/** Which client (browser session or local window) an API call comes from. */
import { Context } from "effect"

/**
 * Who is at the other end of an API call: each browser has its own session (`web-…`, from its cookie), the Electron
 * window and callers inside the station process are `local`. Sessions, session-bound pushes and the audit are kept
 * per client; a transport runs each call with its client as `CurrentClient`.
 */
export interface Client {
  readonly id: string
  /** The peer's address, when the transport has one (a browser's). */
  readonly address?: string
}

export const LOCAL_CLIENT: Client = { id: "local" }

/** The client of the call being run; `local` unless a transport says otherwise. */
export const CurrentClient = Context.Reference<Client>("packbench/core/session/CurrentClient", {
  defaultValue: () => LOCAL_CLIENT
})
