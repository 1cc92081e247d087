import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { hubCommand } from "../server/hubCommand.ts"

const runDoctor = async (configFile: string, env: Record<string, string>) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ""
  let err = ""
  stdout.on("data", (chunk) => {
    out += String(chunk)
  })
  stderr.on("data", (chunk) => {
    err += String(chunk)
  })
  const code = await hubCommand.run(["doctor", "--config", configFile], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { PACKBENCH_HUB_WEBHOOK_SECRET: "0123456789abcdef", ...env },
    cwd: tmpdir()
  })
  return { code, out, err }
}

describe("packbench hub doctor", () => {
  it.each(["shopify", "shopware", "woocommerce"] as const)(
    "checks the %s connector: reachable, authenticated, webhook registered; names failures, never secrets",
    async (kind) => {
      const shop = await startFakeShop(kind)
      try {
        const file = join(mkdtempSync(join(tmpdir(), "pb-doctor-")), "packbench.config.json")
        writeFileSync(file, JSON.stringify({ hub: { shops: { connectors: [shop.connector], defaultSite: "HAM1" } } }))
        const env = { [shop.credentials.env]: shop.credentials.json }

        const missingHooks = await runDoctor(file, env)
        expect(missingHooks.out).toMatch(new RegExp(`ok    shop ${shop.connector.id} \\(${kind}\\) reachable`))
        expect(missingHooks.out).toMatch(/ok {4}.* authenticated/)
        expect(missingHooks.out).toMatch(/FAIL {2}.* webhook registered/)
        expect(missingHooks.code).toBe(1)

        shop.setWebhookUrl("https://hub.example.com/shops/x/webhook")
        const healthy = await runDoctor(file, env)
        expect(healthy.code, healthy.out).toBe(0)
        expect(healthy.out.trim().split("\n")).toHaveLength(3)

        const wrong = JSON.stringify(
          Object.fromEntries(Object.keys(JSON.parse(shop.credentials.json)).map((key) => [key, "wrong-credential-x"]))
        )
        const refused = await runDoctor(file, { [shop.credentials.env]: wrong })
        expect(refused.code).toBe(1)
        expect(refused.out).toMatch(/FAIL {2}.* authenticated/)
        expect(refused.out + refused.err).not.toContain("wrong-credential-x")

        shop.core.down()
        const down = await runDoctor(file, env)
        expect(down.code).toBe(1)
        expect(down.out).toMatch(/FAIL {2}.* reachable/)
      } finally {
        await shop.close()
      }
    },
    60_000
  )
})
