import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { CONTENT_SECURITY_POLICY, DECODER_WORKER_POLICY } from "./appOrigin.ts"
import { serveAppFile } from "./serveAppFile.ts"

const setUp = () => {
  const root = mkdtempSync(join(tmpdir(), "packbench-app-"))
  const staticDir = join(root, "dist")
  const printouts = join(root, "data", "printouts")
  mkdirSync(join(staticDir, "assets"), { recursive: true })
  mkdirSync(join(printouts, "label"), { recursive: true })
  writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>Packbench</title>")
  writeFileSync(join(staticDir, "assets", "app.js"), "export {}")
  writeFileSync(join(staticDir, "assets", "decodeWorker-Ab1_x.js"), "export {}")
  writeFileSync(join(staticDir, "assets", "zxing_reader-Ab1.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]))
  writeFileSync(join(printouts, "label", "job-1.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  writeFileSync(join(root, "data", "station.db"), "secret")
  let printoutsDir: string | undefined
  const get = (path: string, method = "GET") =>
    serveAppFile({ url: `app://packbench${path}`, method }, { staticDir, printoutsDir: () => printoutsDir })
  const ready = () => {
    printoutsDir = printouts
  }
  return { get, ready }
}

describe("serveAppFile", () => {
  it("lets only the camera's decode worker compile WebAssembly, and serves .wasm as such", async () => {
    const { get } = setUp()
    expect((await get("/index.html")).headers.get("content-security-policy")).not.toContain("wasm-unsafe-eval")
    expect((await get("/assets/app.js")).headers.get("content-security-policy")).not.toContain("wasm-unsafe-eval")
    const worker = await get("/assets/decodeWorker-Ab1_x.js")
    expect(worker.headers.get("content-security-policy")).toBe(DECODER_WORKER_POLICY)
    expect(DECODER_WORKER_POLICY).toContain("'wasm-unsafe-eval'")
    expect((await get("/assets/zxing_reader-Ab1.wasm")).headers.get("content-type")).toBe("application/wasm")
  })

  it("serves the UI with its content type and the CSP on every response", async () => {
    const { get } = setUp()
    const index = await get("/index.html")
    expect(index.status).toBe(200)
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(index.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY)
    expect(await index.text()).toContain("<title>Packbench</title>")
    const script = await get("/assets/app.js")
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
    expect((await get("/")).status).toBe(200)
  })

  it("serves printouts from the station's folder once the station said where it is", async () => {
    const { get, ready } = setUp()
    expect((await get("/printouts/label/job-1.png")).status).toBe(404)
    ready()
    const png = await get("/printouts/label/job-1.png")
    expect(png.status).toBe(200)
    expect(png.headers.get("content-type")).toBe("image/png")
    expect(new Uint8Array(await png.arrayBuffer())).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))
  })

  it("never serves anything outside the two folders, nor directories, nor other hosts or methods", async () => {
    const { get, ready } = setUp()
    ready()
    expect((await get("/printouts/..%2fstation.db")).status).toBe(404)
    expect((await get("/printouts/%2e%2e/station.db")).status).toBe(404)
    expect((await get("/..%2fdata%2fstation.db")).status).toBe(404)
    expect((await get("/assets")).status).toBe(404)
    expect((await get("/missing.js")).status).toBe(404)
    expect((await get("/index.html", "POST")).status).toBe(405)
    const other = await serveAppFile(
      { url: "app://elsewhere/index.html", method: "GET" },
      { staticDir: "/", printoutsDir: () => undefined }
    )
    expect(other.status).toBe(404)
  })
})
