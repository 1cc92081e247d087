/** Loading and checking shop connectors' credentials from the environment or a private file. */
import { readFileSync, statSync } from "node:fs"
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import type { ShopConnectorConfig } from "../../../core/config/ShopsConfig.ts"

const Secret = Schema.String.check(Schema.isMinLength(8), Schema.isMaxLength(4096))

/** What each kind of connector needs to log in and to check webhooks, by connector type. */
export const credentialSchemas = {
  shopify: Schema.Struct({ accessToken: Secret, webhookSecret: Secret }),
  shopware: Schema.Struct({ clientId: Secret, clientSecret: Secret, appSecret: Secret }),
  woocommerce: Schema.Struct({ consumerKey: Secret, consumerSecret: Secret, webhookSecret: Secret }),
  webhook: Schema.Struct({ secret: Secret })
} as const

export class CredentialsError extends Error {}

/** `PACKBENCH_SHOP_<ID>`: the variable a connector's credentials are in when the config names none. */
export const defaultCredentialsEnv = (id: string) => `PACKBENCH_SHOP_${id.toUpperCase().replace(/-/g, "_")}`

/**
 * A connector's credentials: from the file `credentialsFile` names (which must be readable by its owner alone: mode
 * 0600 or stricter, else it is refused), or from the environment variable `credentialsEnv` (default
 * `PACKBENCH_SHOP_<ID>`), as a JSON object. A problem is reported by connector, source and field — never with a
 * value, so no secret reaches a log or the terminal.
 */
export const loadConnectorCredentials = <T extends ShopConnectorConfig["type"]>(
  config: ShopConnectorConfig & { readonly type: T },
  env: Readonly<Record<string, string | undefined>>,
  cwd: string
): (typeof credentialSchemas)[T]["Type"] => {
  const where =
    config.credentialsFile !== undefined
      ? `file ${config.credentialsFile}`
      : `$${config.credentialsEnv ?? defaultCredentialsEnv(config.id)}`
  const fail = (problem: string): never => {
    throw new CredentialsError(`shop connector ${config.id}: credentials from ${where}: ${problem}`)
  }
  let text: string | undefined
  if (config.credentialsFile !== undefined) {
    const file = resolve(cwd, config.credentialsFile)
    let mode = 0
    try {
      mode = statSync(file).mode
    } catch {
      fail("cannot be read")
    }
    if ((mode & 0o077) !== 0)
      fail(`has mode ${(mode & 0o777).toString(8)}; make it readable by its owner only (chmod 600)`)
    try {
      text = readFileSync(file, "utf8")
    } catch {
      fail("cannot be read")
    }
  } else {
    text = env[config.credentialsEnv ?? defaultCredentialsEnv(config.id)]
    if (text === undefined || text === "") fail("not set")
  }
  let json: unknown
  try {
    json = JSON.parse(text ?? "")
  } catch {
    fail("is not a JSON object")
  }
  const schema = credentialSchemas[config.type] as unknown as Schema.Decoder<(typeof credentialSchemas)[T]["Type"]>
  const decoded = Effect.runSync(Effect.result(Schema.decodeUnknownEffect(schema)(json)))
  if (decoded._tag === "Failure") {
    // The issue names fields; values are never in it (an expected string's actual value could be a secret).
    const fields = Object.keys(credentialSchemas[config.type].fields).join(", ")
    fail(`needs the fields ${fields}, each a string of 8 to 4096 characters`)
  }
  return (decoded as { success: (typeof credentialSchemas)[T]["Type"] }).success
}
