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

  it("reads how many days back the card of closes by hand reaches, and refuses a number of days out of bounds", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).carrierCancellations).toEqual({ closesShownDays: 30 })
    const write = (closesShownDays: unknown) =>
      writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ carrierCancellations: { closesShownDays } }))
    write(7)
    expect(loadConfig({ cwd, env: {} }).carrierCancellations).toEqual({ closesShownDays: 7 })
    for (const bad of [0, 3651, 1.5, "30"]) {
      write(bad)
      expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
        expect.stringMatching(/^carrierCancellations\.closesShownDays: /)
      ])
    }
  })

  it("reads cameras and the photo retention, and names bad camera entries", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).cameras).toEqual([])
    expect(loadConfig({ cwd, env: {} }).evidence).toEqual({ photoRetentionDays: 90 })
    const cameras = [
      { type: "v4l2", id: "bench-cam", device: "/dev/video0", timeoutMs: 3000 },
      { type: "recorded", id: "sim-cam", path: "frames" }
    ]
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ cameras, evidence: { photoRetentionDays: 30 } }))
    const config = loadConfig({ cwd, env: {} })
    expect(config.cameras).toEqual(cameras)
    expect(config.evidence).toEqual({ photoRetentionDays: 30 })
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        cameras: [
          { type: "v4l2", id: "a", device: "/etc/passwd" },
          { type: "webcam", id: "b" }
        ],
        evidence: { photoRetentionDays: 0 }
      })
    )
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cameras\[0\]\.device: .*\/etc\/passwd/),
        expect.stringMatching(/^cameras\[1\]/),
        expect.stringMatching(/^evidence\.photoRetentionDays: /)
      ])
    )
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        cameras: [
          { type: "browser", id: "cam" },
          { type: "recorded", id: "cam" }
        ]
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      expect.stringMatching(/^cameras: .*camera id "cam" is listed twice/)
    ])
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

  it("reads the hub's shop connectors and names their bad fields", () => {
    const cwd = dir()
    const connector = { id: "shopify", type: "shopify", shopDomain: "alpenglow.myshopify.com", orderIdPrefix: "SHOP" }
    const shops = { connectors: [connector], defaultSite: "HAM1", routing: [{ siteId: "VIE1", countries: ["AT"] }] }
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ hub: { shops } }))
    expect(loadConfig({ cwd, env: {} }).hub.shops).toEqual(shops)
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        hub: { shops: { connectors: [{ ...connector, type: "magento", orderIdPrefix: "shop", accessToken: "x" }] } }
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.type: .*"magento"/),
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.orderIdPrefix: .*"shop"/),
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.accessToken: Unexpected key/)
      ])
    )
  })

  it("bounds the shop connectors' free text (brands, shop keys, carriers, locations) to one line of a plausible length", () => {
    const cwd = dir()
    const connector = { id: "shopify", type: "shopify", shopDomain: "alpenglow.myshopify.com", orderIdPrefix: "SHOP" }
    const write = (shops: Record<string, unknown>) =>
      writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ hub: { shops } }))
    const fine = {
      connectors: [
        {
          ...connector,
          brand: "Alpenglühen Outdoor GmbH & Co. KG",
          brands: { "gid://shopify/Channel/1": "Alpenglühen" },
          carriers: { "DHL Paket (Standard)": { carrier: "dhl-paket", serviceLevel: "standard" } }
        }
      ],
      routing: [{ siteId: "VIE1", locations: ["Lager Wien"], connector: "shopify" }]
    }
    write(fine)
    expect(loadConfig({ cwd, env: {} }).hub.shops).toEqual(fine)
    write({
      connectors: [
        {
          ...connector,
          brand: `Alpen${"x".repeat(100)}`,
          brands: { "chan\n1": "A" },
          carriers: { DHL: { carrier: "dhl\u0000", serviceLevel: "standard" } }
        }
      ],
      routing: [{ siteId: "VIE1", locations: ["y".repeat(201)], connector: "Shopify EU" }]
    })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.brand: expected one line of 1 to 100 characters, got 105/),
        // A key the record does not take is named as one line, and refused.
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.brands\.chan 1: Unexpected key/),
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.carriers\.DHL\.carrier: .*U\+0000/),
        expect.stringMatching(/^hub\.shops\.routing\[0\]\.locations\[0\]: expected one line of 1 to 200 characters/),
        expect.stringMatching(/^hub\.shops\.routing\[0\]\.connector: /)
      ])
    )
  })

  it("reads whether a generic connector still takes the first signature scheme, and names a bad value", () => {
    const cwd = dir()
    const connector = { id: "erp", type: "webhook", orderIdPrefix: "ERP" }
    const write = (fields: Record<string, unknown>) =>
      writeFileSync(
        join(cwd, "packbench.config.json"),
        JSON.stringify({ hub: { shops: { connectors: [{ ...connector, ...fields }] } } })
      )
    write({ sha256Signatures: "refuse" })
    expect(loadConfig({ cwd, env: {} }).hub.shops?.connectors[0]).toMatchObject({ sha256Signatures: "refuse" })
    write({ sha256Signatures: "accept" })
    expect(loadConfig({ cwd, env: {} }).hub.shops?.connectors[0]).toMatchObject({ sha256Signatures: "accept" })
    for (const bad of [false, "no", "", 1]) {
      write({ sha256Signatures: bad })
      expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
        expect.stringMatching(/^hub\.shops\.connectors\[0\]\.sha256Signatures: Expected "accept" \| "refuse"/)
      ])
    }
  })

  it("reads the shop push queue's hand-over count and backoff, and refuses what is not a plausible whole number", () => {
    const cwd = dir()
    const connector = { id: "shopify", type: "shopify", shopDomain: "alpenglow.myshopify.com", orderIdPrefix: "SHOP" }
    const write = (queue: Record<string, unknown>) =>
      writeFileSync(
        join(cwd, "packbench.config.json"),
        JSON.stringify({ hub: { shops: { connectors: [connector], ...queue } } })
      )
    write({ handOverAfterAttempts: 3, retryBaseSeconds: 5, retryMaxSeconds: 600, refundSettleSeconds: 2 })
    expect(loadConfig({ cwd, env: {} }).hub.shops).toMatchObject({
      handOverAfterAttempts: 3,
      retryBaseSeconds: 5,
      retryMaxSeconds: 600,
      refundSettleSeconds: 2
    })
    write({ handOverAfterAttempts: 0, retryBaseSeconds: 1.5, retryMaxSeconds: 86_401, refundSettleSeconds: -1 })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "hub.shops.refundSettleSeconds: Expected a value between 0 and 3600, got -1",
      "hub.shops.handOverAfterAttempts: Expected a value between 1 and 100, got 0",
      "hub.shops.retryBaseSeconds: Expected an integer, got 1.5",
      "hub.shops.retryMaxSeconds: Expected a value between 1 and 86400, got 86401"
    ])
    write({ handOverAfterAttempts: "8" })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      'hub.shops.handOverAfterAttempts: Expected number | undefined, got "8"'
    ])
    write({ retryBaseSeconds: 120, retryMaxSeconds: 60 })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "hub.shops: retryMaxSeconds (60) must not be below retryBaseSeconds (120): the backoff grows from the base to the most"
    ])
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

  it("takes the site's time zone from the file or the environment, Europe/Berlin by default, and refuses unknown zones", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).station.timeZone).toBe("Europe/Berlin")
    expect(loadConfig({ cwd, env: { PACKBENCH_TIME_ZONE: "Europe/Vienna" } }).station.timeZone).toBe("Europe/Vienna")
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ station: { timeZone: "Europe/Zurich" } }))
    expect(loadConfig({ cwd, env: {} }).station.timeZone).toBe("Europe/Zurich")
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ station: { timeZone: "Mitteleuropa" } }))
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      'station.timeZone: expected an IANA time zone name such as "Europe/Berlin" or "Europe/Vienna"'
    ])
    expect(problemsOf(() => loadConfig({ cwd, env: { PACKBENCH_TIME_ZONE: "UTC+1" } }))[0]).toMatch(
      /^station\.timeZone \(from PACKBENCH_TIME_ZONE\): expected an IANA time zone name/
    )
  })

  it("takes the station's numbering slot from the file or the environment and refuses an index outside the fleet", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).numbering).toEqual({ stationIndex: 0, stations: 1, configured: false })
    expect(loadConfig({ cwd, env: { PACKBENCH_STATION_INDEX: "3", PACKBENCH_STATIONS: "10" } }).numbering).toEqual({
      stationIndex: 3,
      stations: 10,
      configured: true
    })
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ numbering: { stationIndex: 10, stations: 10 } }))
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "numbering: stationIndex 10 must be below stations (10): indexes count from 0"
    ])
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ numbering: { stationIndex: 1.5, stations: 0 } }))
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toHaveLength(2)
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

  it("never repeats the password of a server URL's user part in a problem", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        broker: { url: "mqtt://pack-01:BROKERSECRET@broker.example:1883/\u0001" },
        hub: { smtpUrl: "smtpx://mailer:SMTPSECRET@mail.example:25", publicUrl: "https://a:B@hub.example:70000" }
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      'broker.url: expected one line without line breaks or other control characters, got U+0001 at character 49 of "mqtt://pack-01:***@broker.example:1883/"',
      'hub.smtpUrl: expected an smtp:// or smtps:// URL, got "smtpx://mailer:***@mail.example:25"',
      "hub.publicUrl: port 70000 is above 65535: no server listens there"
    ])
  })

  it("never repeats the hub's database URL or metrics token in a problem (they hold secrets), and bounds both to one line", () => {
    const cwd = dir()
    const write = (hub: unknown) => writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ hub }))
    write({ databaseUrl: "mysql://hub:TOPSECRET@db.example/hub" })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "hub.databaseUrl: expected a postgres:// or postgresql:// URL, got mysql:… (not shown: it may hold a password)"
    ])
    write({ databaseUrl: "postgres://hub:TOPSECRET@db.example/hub\u0000", metricsToken: `TOKEN${"t".repeat(600)}` })
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "hub.databaseUrl: expected one line without line breaks or other control characters, got U+0000 at character 40 of (a secret, not shown)",
      "hub.metricsToken: expected one line of 1 to 512 characters, got 605 characters: (a secret, not shown)"
    ])
  })

  it("reads the hub's quiet hours, feedback delay, no-scan alert and transit days from the file and the environment", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).hub.notify).toEqual({})
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        hub: {
          notify: {
            quietHours: { startHour: 22, endHour: 7 },
            feedbackDelay: "48h",
            noScanAlert: "36h",
            correctionAnswerWait: "2h",
            transitDays: { "dhl-paket": { standard: 1, "*": 2 } },
            defaultTransitDays: 4
          }
        }
      })
    )
    expect(loadConfig({ cwd, env: {} }).hub.notify).toEqual({
      quietHours: { startHour: 22, endHour: 7 },
      feedbackDelayMs: 48 * 3_600_000,
      noScanAlertMs: 36 * 3_600_000,
      correctionAnswerWaitMs: 2 * 3_600_000,
      transitDays: { "dhl-paket": { standard: 1, "*": 2 } },
      defaultTransitDays: 4
    })
    const fromEnv = loadConfig({
      cwd,
      env: {
        PACKBENCH_HUB_QUIET_HOURS: "off",
        PACKBENCH_HUB_FEEDBACK_DELAY: "90m",
        PACKBENCH_HUB_NO_SCAN_ALERT: "2d",
        PACKBENCH_HUB_CORRECTION_ANSWER_WAIT: "45m",
        PACKBENCH_HUB_TRANSIT_DAYS: '{"ups":{"*":3}}',
        PACKBENCH_HUB_DEFAULT_TRANSIT_DAYS: "5"
      }
    }).hub.notify
    expect(fromEnv).toEqual({
      quietHours: { startHour: 0, endHour: 0 },
      feedbackDelayMs: 90 * 60_000,
      noScanAlertMs: 2 * 86_400_000,
      correctionAnswerWaitMs: 45 * 60_000,
      transitDays: { ups: { "*": 3 } },
      defaultTransitDays: 5
    })
    expect(loadConfig({ cwd, env: { PACKBENCH_HUB_QUIET_HOURS: "20-6" } }).hub.notify.quietHours).toEqual({
      startHour: 20,
      endHour: 6
    })
  })

  it("sends order confirmations and cancellation notices only when switched on, in the file or the environment", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).hub.notify.orderConfirmations).toBeUndefined()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ hub: { notify: { orderConfirmations: true, cancellationNotice: false } } })
    )
    expect(loadConfig({ cwd, env: {} }).hub.notify).toEqual({ orderConfirmations: true, cancellationNotice: false })
    expect(
      loadConfig({
        cwd,
        env: { PACKBENCH_HUB_ORDER_CONFIRMATIONS: "off", PACKBENCH_HUB_CANCELLATION_NOTICE: "on" }
      }).hub.notify
    ).toEqual({ orderConfirmations: false, cancellationNotice: true })
    expect(problemsOf(() => loadConfig({ cwd, env: { PACKBENCH_HUB_ORDER_CONFIRMATIONS: "maybe" } }))).toEqual([
      'hub.notify.orderConfirmations (from PACKBENCH_HUB_ORDER_CONFIRMATIONS): expected on or off, got "maybe"'
    ])
  })

  it("lets the simulated scale follow the pack only when the file or the environment turns it on", () => {
    const cwd = dir()
    expect(loadConfig({ cwd, env: {} }).simulation).toEqual({ scaleFollowsPack: false })
    expect(loadConfig({ cwd, env: { PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "on" } }).simulation).toEqual({
      scaleFollowsPack: true
    })
    expect(
      problemsOf(() => loadConfig({ cwd, env: { PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "yes please" } }))
    ).toEqual([
      'simulation.scaleFollowsPack (from PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK): expected on or off, got "yes please"'
    ])
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ simulation: { scaleFollowsPack: true } }))
    expect(loadConfig({ cwd, env: {} }).simulation).toEqual({ scaleFollowsPack: true })
    expect(loadConfig({ cwd, env: { PACKBENCH_SIMULATED_SCALE_FOLLOWS_PACK: "off" } }).simulation).toEqual({
      scaleFollowsPack: false
    })
  })

  it("names every bad notify setting, from the file or the variable it came from", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        hub: {
          notify: {
            quietHours: { startHour: 24, endHour: 7 },
            feedbackDelay: "soon",
            noScanAlert: "45d",
            correctionAnswerWait: "30s",
            transitDays: { "dhl-paket": { standard: -1 } },
            defaultTransitDays: 1.5
          }
        }
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      "hub.notify.quietHours.startHour: Expected a value between 0 and 23, got 24",
      'hub.notify.feedbackDelay: expected a duration such as "72h", "90m" or "30s" (units ms, s, m, h, d)',
      "hub.notify.noScanAlert: expected a duration from 1m to 30d",
      "hub.notify.correctionAnswerWait: expected a duration from 1m to 7d",
      "hub.notify.transitDays.dhl-paket.standard: Expected a value between 0 and 60, got -1",
      "hub.notify.defaultTransitDays: Expected an integer, got 1.5"
    ])
    const empty = dir()
    expect(
      problemsOf(() =>
        loadConfig({ cwd: empty, env: { PACKBENCH_HUB_QUIET_HOURS: "nights", PACKBENCH_HUB_TRANSIT_DAYS: "{ups: 3}" } })
      )
    ).toEqual([
      'hub.notify.quietHours (from PACKBENCH_HUB_QUIET_HOURS): expected start and end hour such as "21-8", or "off", got "nights"',
      expect.stringMatching(/^hub\.notify\.transitDays \(from PACKBENCH_HUB_TRANSIT_DAYS\): expected JSON \(/)
    ])
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

  it("refuses a server address whose port nothing can listen on, before the station starts", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        broker: { url: "mqtt://10.0.0.5:70000" },
        hub: { smtpUrl: "smtp://mail.example.com:0", publicUrl: "https://hub.example.com:65536" },
        carriers: { "dhl-paket": { type: "api", baseUrl: "https://api.example.com:99999/v1" } },
        time: { ntpServer: "10.0.0.5:99999" }
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      expect.stringMatching(/^broker\.url: .*port.*70000/),
      expect.stringMatching(/^hub\.smtpUrl: .*port 0/),
      expect.stringMatching(/^hub\.publicUrl: .*port.*65536/),
      expect.stringMatching(/^carriers\.dhl-paket\.baseUrl: .*port.*99999/),
      expect.stringMatching(/^time\.ntpServer: .*port.*99999/)
    ])
    const usable = loadConfig({
      cwd: dir(),
      env: { PACKBENCH_BROKER_URL: "ws://[::1]:1883/mqtt", PACKBENCH_NTP_SERVER: "[::1]:123" }
    })
    expect([usable.broker.url, usable.time.ntpServer]).toEqual(["ws://[::1]:1883/mqtt", "[::1]:123"])
    const ntp = problemsOf(() => loadConfig({ cwd: dir(), env: { PACKBENCH_NTP_SERVER: "ntp.example.com:0" } }))
    expect(ntp).toEqual([expect.stringMatching(/^time\.ntpServer \(from PACKBENCH_NTP_SERVER\): .*port 0/)])
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

  it("refuses a host to listen on that is no host name or address, and a printer port nothing listens on", () => {
    const cwd = dir()
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({
        http: { host: "not a host" },
        printers: { label: { type: "tcp", host: "192.0.2.10", port: 0 }, receipt: { type: "simulated", port: 0 } }
      })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      expect.stringMatching(/^http\.host: .*"not a host"/),
      "printers.label.port: Expected a value between 1 and 65535, got 0"
    ])
    for (const host of ["0.0.0.0", "::", "::1", "localhost", "bench-7.local"]) {
      expect(loadConfig({ cwd: dir(), env: { PACKBENCH_HTTP_HOST: host } }).http.host).toBe(host)
    }
  })

  it("quotes a bad value on one line of bounded length, whatever its size", () => {
    const problems = problemsOf(() =>
      loadConfig({ cwd: dir(), env: { PACKBENCH_LOCALE: `de\u2028forged line ${"x".repeat(5000)}` } })
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^station\.locale \(from PACKBENCH_LOCALE\): Expected "de" \| "en", got "de forged line x+…$/
    )
    expect(problems[0]!.length).toBeLessThanOrEqual(300)
    const cwd = dir()
    writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify({ [`typo\n${"k".repeat(5000)}`]: 1 }))
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      expect.stringMatching(/^typo k+…: Unexpected key with value 1$/)
    ])
  })

  it("bounds the station's name, the scanner's prefix and the broker login to one line, never repeating the password", () => {
    const cwd = dir()
    const write = (config: unknown) => writeFileSync(join(cwd, "packbench.config.json"), JSON.stringify(config))
    const scanner = { type: "serial", id: "bench-scanner", path: "/dev/ttyACM0" }
    write({
      station: { name: "Packtisch 3 – Versand" },
      broker: { url: "mqtt://broker.example:1883", username: "pack-01", password: "correct horse battery staple" },
      scanners: [{ ...scanner, prefix: "\u0002" }]
    })
    const config = loadConfig({ cwd, env: {} })
    expect(config.station.name).toBe("Packtisch 3 – Versand")
    expect(config.broker).toMatchObject({ username: "pack-01", password: "correct horse battery staple" })
    expect(config.scanners[0]).toMatchObject({ prefix: "\u0002" })
    write({
      station: { name: `Pack${"x".repeat(61)}` },
      broker: { username: "pack\n01", password: "s3cret\u0000" },
      scanners: [
        { ...scanner, prefix: "]C1\r" },
        { ...scanner, prefix: "p".repeat(33) }
      ]
    })
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }))
    expect(problems).toEqual([
      `station.name: expected one line of 1 to 64 characters, got 65 characters: "Pack${"x".repeat(35)}…"`,
      'broker.username: expected one line without line breaks or other control characters, got U+000A at character 5 of "pack 01"',
      "broker.password: expected one line without line breaks or other control characters, got U+0000 at character 7 of (a secret, not shown)",
      "scanners[0].prefix: expected no CR, LF or TAB (they end a scan), got U+000D at character 4",
      "scanners[1].prefix: expected 1 to 32 characters, got 33 characters"
    ])
    write({})
    const fromEnv = problemsOf(() =>
      loadConfig({ cwd, env: { PACKBENCH_BROKER_PASSWORD: `s3cret${"!".repeat(300)}` } })
    )
    expect(fromEnv).toEqual([
      "broker.password (from PACKBENCH_BROKER_PASSWORD): expected one line of 1 to 256 characters, got 306 characters: (a secret, not shown)"
    ])
  })

  it("takes a device path that is absolute, and refuses one read from the working directory, with a line break or too long", () => {
    const cwd = dir()
    const write = (path: string) =>
      writeFileSync(
        join(cwd, "packbench.config.json"),
        JSON.stringify({ printers: { label: { type: "device", path } } })
      )
    for (const path of [
      "/dev/usb/lp0",
      "/dev/serial/by-id/usb-Zebra_Technologies_ZTC_ZD420-203dpi_ZPL-if00",
      "COM3",
      "\\\\.\\COM12"
    ]) {
      write(path)
      expect(loadConfig({ cwd, env: {} }).printers.label).toEqual({ type: "device", path })
    }
    for (const [path, says] of [
      ["lp0", 'expected an absolute device path such as /dev/usb/lp0 or /dev/ttyUSB0 (COM3 on Windows), got "lp0"'],
      [
        "../dev/lp0",
        'expected an absolute device path such as /dev/usb/lp0 or /dev/ttyUSB0 (COM3 on Windows), got "../dev/lp0"'
      ],
      [
        "/dev/usb/lp0\nforged",
        'expected one line without line breaks or other control characters, got U+000A at character 13 of "/dev/usb/lp0 forged"'
      ],
      [
        `/dev/${"d".repeat(251)}`,
        `expected one line of 1 to 255 characters, got 256 characters: "/dev/${"d".repeat(34)}…"`
      ],
      ["", "expected one line of 1 to 255 characters, got 0 characters"]
    ]) {
      write(path!)
      expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([`printers.label.path: ${says}`])
    }
    writeFileSync(
      join(cwd, "packbench.config.json"),
      JSON.stringify({ scanners: [{ type: "serial", id: "s1", path: "ttyACM0" }] })
    )
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual([
      expect.stringMatching(/^scanners\[0\]\.path: expected an absolute device path/)
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
