/** The test projects: unit tests in parallel, integration and end-to-end tests one file at a time. */
import { defineConfig } from "vitest/config"

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
          exclude: ["node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
