import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { ConfigError, loadConfig } from "./loadConfig.ts"

const dir = () => mkdtempSync(join(tmpdir(), "pb-config-"))

const problemsOf = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`)
    throw error
  }
  throw new Error("expected a ConfigError")
}

describe("loadConfig", () => {
  it("runs on embedded defaults with no file and no environment", () => {
    const cwd = dir()
    const config = loadConfig({ cwd, env: {} })
    expect(config.configFile).toBeUndefined()
    expect(config.dataDir).toBe(join(cwd, ".packbench"))
    expect(config.http).toEqual({ host: "127.0.0.1", port: 8787 })
    expect(config.broker.url).toBeUndefined()
    expect(config.printers).toEqual({ label: { type: "simulated" }, receipt: { type: "simulated" } })
    expect(config.scanners).toEqual([{ type: "simulated", id: "sim-scanner" }])
    expect(config.scales).toEqual([{ type: "simulated", id: "sim-scale" }])
  })

  it("reads a serial scale and names its bad fields", () => {
    const cwd = dir()
    const scale = { type: "serial", id: "bench-scale", path: "/dev/ttyUSB0", baudRate: 9600, protocol: "mt-sics" }
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ scales: [scale] }))
    expect(loadConfig({ cwd, env: {} }).scales).toEqual([scale])
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ scales: [{ ...scale, baudRate: 9601, protocol: "sics", continous: true }] })
    )
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scales\[0\]\.baudRate: .*9601/),
        expect.stringMatching(/^scales\[0\]\.protocol: Expected "mt-sics".*, got "sics"/),
        expect.stringMatching(/^scales\[0\]\.continous: Unexpected key/)
      ])
    )
  })

  it("reads packbench.config.json and lets the environment override single fields", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        station: { stationId: "PACK-07", locale: "en" },
        http: { port: 9000 },
        broker: { url: "mqtts://broker.example:8883" }
      })
    )
    const config = loadConfig({ cwd, env: { PACKBENCH_HTTP_PORT: "9100", PACKBENCH_SITE_ID: "HAM1" } })
    expect(config.configFile).toBe(join(cwd, "packbench.config.json"))
    expect(config.station).toMatchObject({ stationId: "PACK-07", siteId: "HAM1", locale: "en" })
    expect(config.http.port).toBe(9100)
    expect(config.broker.url).toBe("mqtts://broker.example:8883")
  })

  it("names every bad field, its value and what was expected", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        http: { port: 70000 },
        station: { locale: "fr" },
        scanners: [{ type: "serial", id: "s1" }],
        extra: true
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "extra: Unexpected key with value true",
      'station.locale: Expected "de" | "en", got "fr"',
      "http.port: Expected a value between 0 and 65535, got 70000",
      "scanners[0].path: Missing key"
    ])
  })

  it("takes the embedded hub's PostgreSQL URL from the file or the environment, and refuses other schemes", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).hub.databaseUrl).toBeUndefined()
    const url = "postgres://hub:secret@db.example:5432/packbench_hub"
    expect(loadConfig({ cwd, env: { PACKBENCH_HUB_DATABASE_URL: url } }).hub.databaseUrl).toBe(url)
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ hub: { databaseUrl: "mysql://db/hub" } }))
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^hub\.databaseUrl: /)
  })

  it("asks an NTP server only when one is named, and names a bad server or interval", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).time).toEqual({ ntpIntervalMs: 300_000 })
    expect(loadConfig({ cwd, env: { PACKBENCH_NTP_SERVER: "10.0.0.5:1123" } }).time).toEqual({
      ntpServer: "10.0.0.5:1123",
      ntpIntervalMs: 300_000
    })
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ time: { ntpServer: "ntp.example.com", ntpIntervalSeconds: 64 } })
    )
    expect(loadConfig({ cwd, env: {} }).time).toEqual({ ntpServer: "ntp.example.com", ntpIntervalMs: 64_000 })
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ time: { ntpServer: "ntp example", ntpIntervalSeconds: 5 } })
    )
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^time\.ntpServer: /),
        expect.stringMatching(/^time\.ntpIntervalSeconds: .*5/)
      ])
    )
  })

  it("reads API carriers, their key from the named variable, and leaves every other carrier offline", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).carriers).toEqual({})
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        carriers: {
          "dhl-paket": { type: "api", baseUrl: "https://labels.example/v1/", apiKeyEnv: "DHL_KEY", timeoutMs: 3000 },
          ups: { type: "api", baseUrl: "http://127.0.0.1:8080" }
        }
      })
    )
    expect(loadConfig({ cwd, env: { DHL_KEY: "k-123" } }).carriers).toEqual({
      "dhl-paket": {
        type: "api",
        baseUrl: "https://labels.example/v1",
        apiKeyEnv: "DHL_KEY",
        apiKey: "k-123",
        timeoutMs: 3000
      },
      ups: { type: "api", baseUrl: "http://127.0.0.1:8080", timeoutMs: 5000 }
    })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "carriers.dhl-paket.apiKeyEnv: The environment variable DHL_KEY that should hold the API key is not set"
    ])
  })

  it("names the bad fields of a carrier and refuses a carrier the station does not know", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        carriers: { "dhl-paket": { type: "rest", baseUrl: "labels.example", timeout: 3000, timeoutMs: "3s" } }
      })
    )
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^carriers\.dhl-paket\.type: Expected "api", got "rest"/),
        expect.stringMatching(/^carriers\.dhl-paket\.baseUrl: .*"labels\.example"/),
        expect.stringMatching(/^carriers\.dhl-paket\.timeout: Unexpected key/),
        expect.stringMatching(/^carriers\.dhl-paket\.timeoutMs: .*"3s"/)
      ])
    )
    expect(problems).toHaveLength(4)
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ carriers: { dhl: { type: "api", baseUrl: "https://labels.example" } } })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      'carriers.dhl: Unknown carrier "dhl"; this station ships with "dhl-paket", "dhl-express", "ups", "deutsche-post"'
    ])
  })

  it("says which environment variable holds a bad value", () => {
    const problems = problemsOf(() => loadConfig({ cwd: dir(), env: { PACKBENCH_HTTP_PORT: "eighty" } }))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^http\.port \(from PACKBENCH_HTTP_PORT\): .*"eighty"/)
  })

  it("reports a config file that is not JSON, or missing, without a stack trace", () => {
    const cwd = dir()
    writeFileSync(join(cwd, "broken.json"), "{ http: ")
    expect(problemsOf(() => loadConfig({ cwd, env: {}, configFile: "broken.json" }))[0]).toMatch(/^: not valid JSON/)
    expect(problemsOf(() => loadConfig({ cwd, env: { PACKBENCH_CONFIG: "missing.json" } }))[0]).toMatch(
      /cannot read the file/
    )
  })
})
