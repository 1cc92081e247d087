/** The config schema of the hub's shop connectors and how their credentials are found. */
import { Schema } from "effect"
import { StationCode } from "../station/StationIdentity.ts"
import { SettingText } from "./SettingText.ts"

const HttpUrl = Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s]+[^/\s]$/))
const EnvName = Schema.String.check(Schema.isPattern(/^[A-Z_][A-Z0-9_]{0,127}$/))
const ServiceLevel = Schema.Literals(["standard", "express", "economy"])
const CarrierChoice = Schema.Struct({ carrier: SettingText(64), serviceLevel: ServiceLevel })
/** A brand's name as the mails and pages show it, and a shop's own key (a sales channel, a shipping method): one line. */
const BrandName = SettingText(100)
const ShopKey = SettingText(200)

/**
 * One shop connector of the hub (`hub.shops.connectors[]`). Credentials never sit here: `credentialsEnv` names an
 * environment variable holding them as JSON, or `credentialsFile` a JSON file only its owner may read (mode 0600);
 * by default the variable `PACKBENCH_SHOP_<ID>` (the id upper case, dashes as underscores).
 */
export const ShopConnectorConfig = Schema.Struct({
  id: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/)),
  type: Schema.Literals(["shopify", "shopware", "woocommerce", "webhook"]),
  /** Shopware, WooCommerce: the shop's address; webhook: where pushes go; Shopify: another address for the Admin API (a proxy). */
  url: Schema.optional(HttpUrl),
  /** Shopify: `<shop>.myshopify.com`. */
  shopDomain: Schema.optional(Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/))),
  /** Shopify Admin API version; default 2026-04. */
  apiVersion: Schema.optional(Schema.String.check(Schema.isPattern(/^(\d{4}-\d{2}|unstable)$/))),
  credentialsEnv: Schema.optional(EnvName),
  credentialsFile: Schema.optional(SettingText(1024)),
  /** The station's order ids are `<prefix>-<shop order number>`. */
  orderIdPrefix: Schema.String.check(Schema.isPattern(/^[A-Z0-9]{1,8}$/)),
  brand: Schema.optional(BrandName),
  /** Sales channel (Shopify channel id, Shopware sales channel id) → brand. */
  brands: Schema.optional(Schema.Record(ShopKey, BrandName)),
  /** Shipping method code or title → carrier and service level. */
  carriers: Schema.optional(Schema.Record(ShopKey, CarrierChoice)),
  defaultCarrier: Schema.optional(CarrierChoice),
  fulfillOn: Schema.optional(Schema.Literals(["handed-to-carrier", "packed"])),
  /** WooCommerce: the status of an order whose last unit shipped (default `completed`). */
  completedStatus: Schema.optional(Schema.String.check(Schema.isPattern(/^[a-z0-9_-]{1,20}$/))),
  /** Shopify: let Shopify mail the customer about the fulfillment (the hub mails anyway); default false. */
  notifyCustomer: Schema.optional(Schema.Boolean),
  /** Shopware: the webhook URL the app registered, which `doctor` looks for. */
  webhookUrl: Schema.optional(HttpUrl),
  /**
   * The generic connector (`webhook`): whether it still takes the first signature scheme (`sha256=`, which leaves the
   * delivery id unsigned) beside `v2=`. Default `accept`, with a warning once per connector when one comes; `refuse`
   * answers such a delivery 401.
   */
  sha256Signatures: Schema.optional(Schema.Literals(["accept", "refuse"])),
  pollIntervalSeconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 5, maximum: 86_400 }))),
  timeoutMs: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: 120_000 })))
})
export type ShopConnectorConfig = typeof ShopConnectorConfig.Type

export const ShopRoutingRule = Schema.Struct({
  siteId: StationCode,
  locations: Schema.optional(Schema.Array(ShopKey)),
  countries: Schema.optional(Schema.Array(Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/)))),
  connector: Schema.optional(Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/)))
})

/** The hub's shop connectors and where their orders go (`hub.shops`). */
export const ShopsConfig = Schema.Struct({
  connectors: Schema.Array(ShopConnectorConfig),
  /** Location rules first, then country rules, then `defaultSite`. */
  routing: Schema.optional(Schema.Array(ShopRoutingRule)),
  defaultSite: Schema.optional(StationCode),
  /** Refund units of one return decided within this many seconds go to the shop as one refund; default 5. */
  refundSettleSeconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 3_600 }))),
  /**
   * Failures of one push that waiting does not cure (an answer the hub cannot read, credentials the shop refuses)
   * before it is handed to a manager; a catch-up failing as many passes in a row is named on the Shop card. Default 8.
   */
  handOverAfterAttempts: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
  /** First wait after a shop could not be reached, doubling per failure in a row up to `retryMaxSeconds`; default 2. */
  retryBaseSeconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 600 }))),
  /** The longest wait between two tries while a shop cannot be reached; default 900 (15 min). */
  retryMaxSeconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 86_400 })))
}).check(
  Schema.makeFilter((shops) => {
    const base = shops.retryBaseSeconds ?? 2
    const most = shops.retryMaxSeconds ?? 900
    return most >= base
      ? undefined
      : `retryMaxSeconds (${most}) must not be below retryBaseSeconds (${base}): the backoff grows from the base to the most`
  })
)
export type ShopsConfig = typeof ShopsConfig.Type
