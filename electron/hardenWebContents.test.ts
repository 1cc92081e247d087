import { EventEmitter } from "node:events"
import { describe, expect, it } from "vitest"
import { hardenWebContents } from "./hardenWebContents.ts"

/** A WebContents stand-in: its events can be emitted, and it keeps the window-open handler it was given. */
const fakeContents = () => {
  const emitter = new EventEmitter()
  let openHandler: ((details: { url: string }) => { action: string }) | undefined
  const contents = {
    on: (event: string, listener: (...args: Array<unknown>) => void) => {
      emitter.on(event, listener)
      return contents
    },
    setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => {
      openHandler = handler
    }
  }
  const fire = (event: string, url: string) => {
    const details = {
      url,
      defaultPrevented: false,
      preventDefault: () => {
        details.defaultPrevented = true
      }
    }
    emitter.emit(event, details)
    return details.defaultPrevented
  }
  return { contents, fire, open: (url: string) => openHandler?.({ url }) }
}

describe("hardenWebContents", () => {
  const harden = () => {
    const fake = fakeContents()
    const logged: Array<string> = []
    hardenWebContents(fake.contents as never, (line) => logged.push(line))
    return { ...fake, logged }
  }

  it("lets the page reload itself and nothing else", () => {
    const { fire, logged } = harden()
    expect(fire("will-navigate", "app://packbench/index.html")).toBe(false)
    expect(fire("will-navigate", "app://packbench/index.html#/returns")).toBe(false)
    expect(fire("will-navigate", "https://example.com/")).toBe(true)
    expect(fire("will-navigate", "file:///etc/passwd")).toBe(true)
    expect(fire("will-navigate", "app://packbench/printouts/label/1.png")).toBe(true)
    expect(logged.join("\n")).toContain("blocked navigation to https://example.com/")
  })

  it("blocks redirects away from the app and every <webview>", () => {
    const { fire } = harden()
    expect(fire("will-redirect", "https://example.com/")).toBe(true)
    expect(fire("will-attach-webview", "app://packbench/index.html")).toBe(true)
  })

  it("denies every new window", () => {
    const { open } = harden()
    expect(open("https://example.com/")).toEqual({ action: "deny" })
    expect(open("app://packbench/index.html")).toEqual({ action: "deny" })
  })
})
