import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { ShopConnectorConfig } from "../../../core/config/ShopsConfig.ts"
import { CredentialsError, defaultCredentialsEnv, loadConnectorCredentials } from "./ConnectorCredentials.ts"

const config: ShopConnectorConfig = {
  id: "shop-main",
  type: "shopify",
  orderIdPrefix: "SHOP",
  shopDomain: "a.myshopify.com"
}
const secret = { accessToken: "shpat_very_secret_token", webhookSecret: "client-secret-do-not-log" }

const problem = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    if (error instanceof CredentialsError) return error.message
    throw error
  }
  return undefined
}

describe("shop connector credentials", () => {
  it("come from PACKBENCH_SHOP_<ID> by default, or the variable the config names", () => {
    expect(defaultCredentialsEnv("shop-main")).toBe("PACKBENCH_SHOP_SHOP_MAIN")
    expect(loadConnectorCredentials(config, { PACKBENCH_SHOP_SHOP_MAIN: JSON.stringify(secret) }, "/")).toEqual(secret)
    expect(
      loadConnectorCredentials(
        { ...config, credentialsEnv: "SHOPIFY_CREDS" },
        { SHOPIFY_CREDS: JSON.stringify(secret) },
        "/"
      )
    ).toEqual(secret)
  })

  it("come from a file only its owner may read, and a readable file is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-creds-"))
    const file = join(dir, "shopify.json")
    writeFileSync(file, JSON.stringify(secret), { mode: 0o600 })
    expect(loadConnectorCredentials({ ...config, credentialsFile: file }, {}, dir)).toEqual(secret)
    chmodSync(file, 0o644)
    expect(problem(() => loadConnectorCredentials({ ...config, credentialsFile: "shopify.json" }, {}, dir))).toBe(
      "shop connector shop-main: credentials from file shopify.json: has mode 644; make it readable by its owner only (chmod 600)"
    )
  })

  it("name what is wrong without ever showing a value", () => {
    const wrong = { accessToken: "shpat_very_secret_token", webhookSecret: 42 }
    const messages = [
      problem(() => loadConnectorCredentials(config, {}, "/")),
      problem(() => loadConnectorCredentials(config, { PACKBENCH_SHOP_SHOP_MAIN: "shpat_very_secret_token" }, "/")),
      problem(() => loadConnectorCredentials(config, { PACKBENCH_SHOP_SHOP_MAIN: JSON.stringify(wrong) }, "/"))
    ]
    expect(messages).toEqual([
      "shop connector shop-main: credentials from $PACKBENCH_SHOP_SHOP_MAIN: not set",
      "shop connector shop-main: credentials from $PACKBENCH_SHOP_SHOP_MAIN: is not a JSON object",
      "shop connector shop-main: credentials from $PACKBENCH_SHOP_SHOP_MAIN: needs the fields accessToken, webhookSecret, each a string of 8 to 4096 characters"
    ])
    for (const message of messages) expect(message).not.toContain("very_secret")
  })
})
