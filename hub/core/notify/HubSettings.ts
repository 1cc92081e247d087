/** The hub's settings: mail timing, brands, public URL and the sender's retry limits. */
import { Context } from "effect"
import { DEFAULT_HUB_EPCIS_RETENTION_DAYS } from "../../../core/config/StationConfig.ts"
import { DEFAULT_SITE_TIME_ZONE } from "../../../core/time/SiteTime.ts"
import { defaultNotifySettings, type NotifySettings } from "./NotifySettings.ts"
import { type Brand, defaultBrands } from "./templates/Brand.ts"

export interface HubSettingsShape {
  readonly notify: NotifySettings
  readonly brands: ReadonlyArray<Brand>
  /** Where customers reach the hub's tracking pages, e.g. "https://track.example.com" (no trailing slash). */
  readonly publicBaseUrl: string
  /** Receives every notification as a signed JSON webhook, besides the mail; none when undefined. */
  readonly webhookUrl: string | undefined
  /** Attempts per message before it is dead-lettered. */
  readonly maxAttempts: number
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** A notification whose order the hub has not seen after this long is dead-lettered as undeliverable. */
  readonly unknownCustomerGiveUpMs: number
  /**
   * The EPCIS view the hub keeps of station events (`GET /epcis`): how many days (by event time) before it is pruned,
   * and the sites' time zone, which gives each event its eventTimeZoneOffset.
   */
  readonly epcis: { readonly retentionDays: number; readonly timeZone: string }
}

export class HubSettings extends Context.Service<HubSettings, HubSettingsShape>()(
  "packbench/hub/core/notify/HubSettings"
) {
  static readonly defaults = (publicBaseUrl: string): HubSettingsShape => ({
    notify: defaultNotifySettings,
    brands: defaultBrands,
    publicBaseUrl,
    webhookUrl: undefined,
    maxAttempts: 8,
    retryBaseMs: 30_000,
    retryMaxMs: 6 * 3_600_000,
    unknownCustomerGiveUpMs: 24 * 3_600_000,
    epcis: { retentionDays: DEFAULT_HUB_EPCIS_RETENTION_DAYS, timeZone: DEFAULT_SITE_TIME_ZONE }
  })
}
