/** Topic access rules per role, enforced by both the embedded broker and mosquitto ACLs. */
import { topicMatches } from "./Broker.ts"

/**
 * Who may speak on the topic tree, as one table both brokers enforce: the embedded aedes broker asks these functions
 * for every CONNECT, PUBLISH and SUBSCRIBE, and the mosquitto ACL blocks are rendered from the same rules
 * (`mosquittoAclBlock`), so the two never disagree.
 *
 * - A **station** publishes only under its own `packbench/v1/<site>/<station>/`: its events, presence, outbox report,
 *   catch-up requests and dead letters. It reads its own acks, resend requests and inbox (the shop's and the hub's
 *   streams), its site's inbox, its site's presence and the hub's summary of its site (`<site>/hub/fleet`), never
 *   another site's.
 * - The **hub** reads every station's events, catch-up requests, presence and outbox report and the shop's order
 *   messages (the only source it takes customer data from), and is the only one to publish acks, resend requests,
 *   the hub's inbox stream, the refund requests to the shop and the sites' fleet summaries.
 * - The **shop** side is the only one to publish the stations' shop inbox messages (one topic level per type, so
 *   never the hub's `inbox/hub/<type>`), and reads catch-up requests, dead letters and the hub's refund requests.
 *
 * Since a station may publish only under its own ids, the topic of a station event names the client that sent it,
 * which is what lets the hub hold topic, envelope and sender to one station.
 */
export type BrokerPrincipal =
  | { readonly role: "station"; readonly siteId: string; readonly stationId: string }
  | { readonly role: "hub" }
  | { readonly role: "shop" }

export type BrokerRole = BrokerPrincipal["role"]

export interface TopicRules {
  /** Topic filters the principal may publish to (a topic must match one). */
  readonly publish: ReadonlyArray<string>
  /** Topic filters the principal may read (a subscription must lie inside one). */
  readonly read: ReadonlyArray<string>
}

const ROOT = "packbench/v1"

export const rulesOf = (principal: BrokerPrincipal): TopicRules => {
  switch (principal.role) {
    case "station": {
      const own = `${ROOT}/${principal.siteId}/${principal.stationId}`
      return {
        publish: [`${own}/events/+`, `${own}/presence`, `${own}/outbox`, `${own}/catchup`, `${own}/deadletter`],
        read: [
          `${own}/acks`,
          `${own}/resend`,
          `${own}/inbox/#`,
          `${ROOT}/${principal.siteId}/all/inbox/#`,
          `${ROOT}/${principal.siteId}/+/presence`,
          `${ROOT}/${principal.siteId}/hub/fleet`
        ]
      }
    }
    case "hub":
      return {
        publish: [
          `${ROOT}/+/+/acks`,
          `${ROOT}/+/+/resend`,
          `${ROOT}/+/+/inbox/hub/+`,
          `${ROOT}/+/hub/refund-requests`,
          `${ROOT}/+/hub/fleet`
        ],
        read: [
          `${ROOT}/+/+/events/#`,
          `${ROOT}/+/+/catchup`,
          `${ROOT}/+/+/inbox/+`,
          `${ROOT}/+/+/presence`,
          `${ROOT}/+/+/outbox`
        ]
      }
    case "shop":
      return {
        publish: [`${ROOT}/+/+/inbox/+`],
        read: [`${ROOT}/+/+/catchup`, `${ROOT}/+/+/deadletter`, `${ROOT}/+/hub/refund-requests`]
      }
  }
}

/** Whether `topic` (a concrete topic, no wildcards) may be published by `principal`. */
export const mayPublish = (principal: BrokerPrincipal, topic: string): boolean =>
  !/[+#]/.test(topic) && rulesOf(principal).publish.some((filter) => topicMatches(filter, topic))

/**
 * Whether a message on `topic` (a concrete topic) may reach `principal`: the check on every message a broker forwards,
 * retained ones and a restored session's queue included, which come without a SUBSCRIBE.
 */
export const mayRead = (principal: BrokerPrincipal, topic: string): boolean =>
  rulesOf(principal).read.some((filter) => topicMatches(filter, topic))

/**
 * Whether every topic `inner` matches is matched by `outer` (MQTT §4.7 filters): `#` covers the rest, `+` covers
 * one level of anything but `#`, a literal covers only itself.
 */
export const filterCovers = (outer: string, inner: string): boolean => {
  const outerLevels = outer.split("/")
  const innerLevels = inner.split("/")
  for (const [index, level] of outerLevels.entries()) {
    if (level === "#") return true
    const wanted = innerLevels[index]
    if (wanted === undefined || wanted === "#") return false
    if (level === "+") continue
    if (wanted === "+" || wanted !== level) return false
  }
  return outerLevels.length === innerLevels.length
}

/** Whether `principal` may subscribe to `filter`; a shared subscription (`$share/<group>/<filter>`) by its filter. */
export const maySubscribe = (principal: BrokerPrincipal, filter: string): boolean => {
  const shared = /^\$share\/[^/+#]+\/(.+)$/.exec(filter)
  const inner = shared?.[1] ?? filter
  if (inner.startsWith("$")) return false
  return rulesOf(principal).read.some((allowed) => filterCovers(allowed, inner))
}

/**
 * The MQTT client id a station must connect with: the one its link uses (`packbench-<site>-<station>`), optionally
 * followed by a lower-case suffix (a doctor's probe). Ids are upper case, so no suffix can spell another station's
 * id, and no station can take over another's session.
 */
export const stationClientIdPattern = (siteId: string, stationId: string) =>
  new RegExp(`^packbench-${siteId}-${stationId}(?:-[a-z0-9]+)?$`)

export const mayUseClientId = (principal: BrokerPrincipal, clientId: string): boolean =>
  principal.role !== "station" || stationClientIdPattern(principal.siteId, principal.stationId).test(clientId)

/** The user name a station logs in with on both brokers: site and station apart by a dot, which ids never contain. */
export const stationUsername = (siteId: string, stationId: string) => `${siteId}.${stationId}`

/**
 * The mosquitto acl_file block (mosquitto.conf(5) "acl_file") granting `username` what `principal` may do; mosquitto
 * denies whatever no block grants. `read` lines cover subscribing and receiving, `write` lines publishing.
 */
export const mosquittoAclBlock = (username: string, principal: BrokerPrincipal): string => {
  const rules = rulesOf(principal)
  return [
    `user ${username}`,
    ...rules.publish.map((filter) => `topic write ${filter}`),
    ...rules.read.map((filter) => `topic read ${filter}`)
  ].join("\n")
}
