/** Builds the configured shop connectors with their credentials. */
import { createHash } from "node:crypto"
import type { ShopConnectorConfig, ShopsConfig } from "../../../core/config/ShopsConfig.ts"
import type { StationClock } from "../../../core/time/Clock.ts"
import type { ConnectorSettings } from "../../core/shop/ConnectorSettings.ts"
import { defaultPushQueueSettings } from "../../core/shop/PushQueue.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"
import type { ShopHubOptions } from "../../core/shop/ShopHub.ts"
import { loadConnectorCredentials } from "./ConnectorCredentials.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeShopwareConnector } from "./shopware/ShopwareConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

export class ShopConfigError extends Error {}

const settingsOf = (config: ShopConnectorConfig): ConnectorSettings => ({
  id: config.id,
  type: config.type,
  orderIdPrefix: config.orderIdPrefix,
  brand: config.brand ?? "alpenglow",
  brands: config.brands ?? {},
  carriers: config.carriers ?? {},
  defaultCarrier: config.defaultCarrier ?? { carrier: "dhl-paket", serviceLevel: "standard" },
  fulfillOn: config.fulfillOn ?? "handed-to-carrier"
})

const need = (config: ShopConnectorConfig, field: "url" | "shopDomain") => {
  const value = config[field]
  if (value === undefined) throw new ShopConfigError(`shop connector ${config.id} (${config.type}) needs ${field}`)
  return value
}

/**
 * One adapter for a connector's configuration, with its credentials loaded (from the environment or a 0600 file),
 * taking its time from the hub's `clock`.
 */
export const makeShopConnector = (
  config: ShopConnectorConfig,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  log: (line: string) => void,
  clock: StationClock["Service"]
): ShopConnector => {
  const settings = settingsOf(config)
  if (config.sha256Signatures !== undefined && config.type !== "webhook") {
    throw new ShopConfigError(
      `shop connector ${config.id} (${config.type}): sha256Signatures is read only by the generic connector (type webhook)`
    )
  }
  const timeoutMs = config.timeoutMs ?? 10_000
  switch (config.type) {
    case "shopify":
      return makeShopifyConnector({
        settings,
        credentials: loadConnectorCredentials({ ...config, type: "shopify" }, env, cwd),
        shopDomain: need(config, "shopDomain"),
        apiVersion: config.apiVersion ?? "2026-04",
        endpoint: config.url,
        timeoutMs,
        notifyCustomer: config.notifyCustomer ?? false,
        log,
        clock
      })
    case "shopware":
      return makeShopwareConnector({
        settings,
        credentials: loadConnectorCredentials({ ...config, type: "shopware" }, env, cwd),
        url: need(config, "url"),
        webhookUrl: config.webhookUrl,
        timeoutMs,
        clock
      })
    case "woocommerce":
      return makeWooCommerceConnector({
        settings,
        credentials: loadConnectorCredentials({ ...config, type: "woocommerce" }, env, cwd),
        url: need(config, "url"),
        completedStatus: config.completedStatus ?? "completed",
        timeoutMs,
        clock
      })
    case "webhook":
      return makeSignedWebhookConnector({
        settings,
        credentials: loadConnectorCredentials({ ...config, type: "webhook" }, env, cwd),
        shopUrl: config.url,
        timeoutMs,
        toleranceMs: 5 * 60_000,
        sha256Signatures: config.sha256Signatures ?? "accept",
        clock
      })
  }
}

/**
 * The hub's shop side from `hub.shops`: every connector with its credentials and the hub's clock, the routing rules
 * and the queue settings. Throws a ShopConfigError or CredentialsError naming the connector and what is wrong.
 */
export const shopHubOptionsFrom = (
  config: ShopsConfig,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  log: (line: string) => void,
  clock: StationClock["Service"]
): ShopHubOptions => {
  const ids = new Set<string>()
  for (const connector of config.connectors) {
    if (ids.has(connector.id)) throw new ShopConfigError(`shop connector id ${connector.id} is used twice`)
    ids.add(connector.id)
  }
  const prefixes = config.connectors.map((connector) => connector.orderIdPrefix)
  if (new Set(prefixes).size !== prefixes.length) {
    throw new ShopConfigError("every shop connector needs its own orderIdPrefix: order ids must not collide")
  }
  const connectors = config.connectors.map((connector) => makeShopConnector(connector, env, cwd, log, clock))
  const slowestPoll = Math.min(...config.connectors.map((connector) => connector.pollIntervalSeconds ?? 60))
  return {
    connectors,
    routing: {
      rules: (config.routing ?? []).map((rule) => ({
        siteId: rule.siteId,
        ...(rule.locations === undefined ? {} : { locations: rule.locations }),
        ...(rule.countries === undefined ? {} : { countries: rule.countries }),
        ...(rule.connector === undefined ? {} : { connector: rule.connector })
      })),
      defaultSite: config.defaultSite
    },
    queue: {
      refundSettleMs: (config.refundSettleSeconds ?? defaultPushQueueSettings.refundSettleMs / 1000) * 1000,
      retryBaseMs: (config.retryBaseSeconds ?? defaultPushQueueSettings.retryBaseMs / 1000) * 1000,
      retryMaxMs: (config.retryMaxSeconds ?? defaultPushQueueSettings.retryMaxMs / 1000) * 1000,
      handOverAfterAttempts: config.handOverAfterAttempts ?? defaultPushQueueSettings.handOverAfterAttempts
    },
    pollIntervalMs: (Number.isFinite(slowestPoll) ? slowestPoll : 60) * 1000,
    firstPollLookbackMs: 7 * 86_400_000,
    sha256: (text) => createHash("sha256").update(text).digest("hex")
  }
}
