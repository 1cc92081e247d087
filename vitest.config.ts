/** The test projects: unit tests in parallel, integration and end-to-end tests one file at a time. */
import { defineConfig } from "vitest/config"

/**
 * The night run (`npm run test:night`) repeats the time-sensitive suites at 02:30; the shop connectors' end-to-end
 * run (three shops, ~15 minutes, no clock-dependent step) runs once, in the day run.
 */
const nightExcludes =
  process.env.PACKBENCH_NIGHT_RUN === "1" ? ["hub/drivers/connectors/ShopsEndToEnd.integration.test.ts"] : []

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "core/**/*.test.ts",
            "hub/**/*.test.ts",
            "drivers/**/*.test.ts",
            "renderer/**/*.test.ts",
            "electron/**/*.test.ts",
            "fixtures/**/*.test.ts"
          ],
          exclude: ["**/*.integration.test.ts", "**/*.e2e.test.ts", "node_modules/**"],
          testTimeout: 20_000
        }
      },
      {
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts", "**/*.e2e.test.ts"],
          exclude: ["node_modules/**", ...nightExcludes],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
