/** The shop checks of `packbench hub doctor`. */
import { Effect } from "effect"
import type { CommandIo } from "../../../drivers/cli/Command.ts"
import { writeLine } from "../../../drivers/cli/Command.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"

/**
 * `packbench hub doctor`: one line per check and connector (`ok`/`FAIL`): the shop answers, takes the credentials,
 * and has the webhooks the hub needs. Exit 1 on any failure. Credentials are never printed.
 */
export const shopsDoctor = async (connectors: ReadonlyArray<ShopConnector>, io: CommandIo): Promise<number> => {
  if (connectors.length === 0) {
    await writeLine(io.stdout, "ok    shops: no shop connector configured (hub.shops)")
    return 0
  }
  let failed = false
  for (const connector of connectors) {
    const checks = await Effect.runPromise(connector.check)
    for (const check of checks) {
      failed ||= !check.ok
      await writeLine(
        io.stdout,
        `${check.ok ? "ok  " : "FAIL"}  shop ${connector.settings.id} (${connector.settings.type}) ${check.name}: ${check.detail}`
      )
    }
  }
  return failed ? 1 : 0
}
