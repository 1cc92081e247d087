/** The MQTT topic tree that stations, sites and hub talk over. */
import { decodeUtf8, encodeUtf8 } from "../bounds/Utf8.ts"

/**
 * The topic tree. Every topic starts with `packbench/v1/<site>/<station>`; a change of shape is a new version
 * segment, never an edit, because stations in the field upgrade one by one.
 */
/** The last level of `Topics.eventBundle`. */
export const BUNDLE_LEAF = "_bundle"

const root = (siteId: string, stationId: string) => `packbench/v1/${siteId}/${stationId}`

export const Topics = {
  event: (siteId: string, stationId: string, type: string) => `${root(siteId, stationId)}/events/${type}`,
  /**
   * Several consecutive events of one station in one message (a JSON array of envelopes), sent only to a consumer
   * whose acks say it takes bundles. No event type is `_bundle`: types are dotted names such as `pack.completed`.
   */
  eventBundle: (siteId: string, stationId: string) => `${root(siteId, stationId)}/events/${BUNDLE_LEAF}`,
  /** Every station's events of a site (`+` for all sites): what a consumer subscribes to. */
  eventsOf: (siteId: string) => `packbench/v1/${siteId}/+/events/#`,
  acks: (siteId: string, stationId: string) => `${root(siteId, stationId)}/acks`,
  resend: (siteId: string, stationId: string) => `${root(siteId, stationId)}/resend`,
  presence: (siteId: string, stationId: string) => `${root(siteId, stationId)}/presence`,
  /** Every station's presence of a site: retained, so a new subscriber learns the whole fleet at once. */
  presenceOf: (siteId: string) => `packbench/v1/${siteId}/+/presence`,
  /** The station's retained report of its outbox for the hub's fleet summary. */
  outboxHealth: (siteId: string, stationId: string) => `${root(siteId, stationId)}/outbox`,
  /** Every station's outbox report of a site (`+` for all sites): what the hub reads. */
  outboxHealthOf: (siteId: string) => `packbench/v1/${siteId}/+/outbox`,
  /** The hub's retained summary of a site's stations, which the site's stations read. */
  siteFleet: (siteId: string) => `packbench/v1/${siteId}/hub/fleet`,
  inbox: (siteId: string, stationId: string) => `${root(siteId, stationId)}/inbox/#`,
  siteInbox: (siteId: string) => `${root(siteId, "all")}/inbox/#`,
  /** A message from the hub into one station's inbox: its own stream (`hub/<type>`), numbered by the hub. */
  hubInbox: (siteId: string, stationId: string, type: string) => `${root(siteId, stationId)}/inbox/hub/${type}`,
  /** Refund requests the hub passes on to the shop (one per unit, see the refund ledger). */
  refundRequests: (siteId: string) => `packbench/v1/${siteId}/hub/refund-requests`,
  /** Every station's catch-up requests (`+` for all sites): what the hub answers for its own stream. */
  catchupsOf: (siteId: string) => `packbench/v1/${siteId}/+/catchup`,
  catchup: (siteId: string, stationId: string) => `${root(siteId, stationId)}/catchup`,
  deadLetter: (siteId: string, stationId: string) => `${root(siteId, stationId)}/deadletter`
} as const

const TOPIC_PREFIX = "packbench/v1/"

/**
 * Splits `packbench/v1/<site>/<station>/<kind>/<rest>`; undefined when the topic is not ours. As splitting at every
 * `/` and joining what follows the kind again would, without the array of pieces (every message's topic is parsed).
 */
export const parseTopic = (
  topic: string
):
  | { readonly siteId: string; readonly stationId: string; readonly kind: string; readonly rest: string }
  | undefined => {
  if (!topic.startsWith(TOPIC_PREFIX)) return undefined
  const siteEnd = topic.indexOf("/", TOPIC_PREFIX.length)
  if (siteEnd === -1) return undefined
  const stationEnd = topic.indexOf("/", siteEnd + 1)
  if (stationEnd === -1) return undefined
  const kindEnd = topic.indexOf("/", stationEnd + 1)
  const siteId = topic.slice(TOPIC_PREFIX.length, siteEnd)
  const stationId = topic.slice(siteEnd + 1, stationEnd)
  const kind = kindEnd === -1 ? topic.slice(stationEnd + 1) : topic.slice(stationEnd + 1, kindEnd)
  if (!siteId || !stationId || !kind) return undefined
  return { siteId, stationId, kind, rest: kindEnd === -1 ? "" : topic.slice(kindEnd + 1) }
}

export const encodeJson = (value: unknown): Uint8Array => encodeUtf8(JSON.stringify(value))

/** Parses a payload as UTF-8 JSON; the error text is what the quarantine records. */
export const decodeJson = (
  payload: Uint8Array
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string } => {
  const decoded = decodeUtf8(payload)
  if ("badOffset" in decoded) return { ok: false, reason: `not UTF-8: malformed byte at offset ${decoded.badOffset}` }
  try {
    return { ok: true, value: JSON.parse(decoded.text) }
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
}

/** The payload as text for a quarantine record, readable even when it is not valid UTF-8. */
export const payloadText = (payload: Uint8Array): string => {
  const decoded = decodeUtf8(payload)
  return "text" in decoded
    ? decoded.text
    : `hex:${Array.from(payload.subarray(0, 4096), (byte) => byte.toString(16).padStart(2, "0")).join("")}`
}
