/** Locks every web contents down: no navigation away from the app's page and no new windows. */
import type { WebContents } from "electron"
import { APP_INDEX_URL, isAppUrl } from "./appOrigin.ts"

const withoutFragment = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.hash = ""
    return parsed.href
  } catch {
    return url
  }
}

/** The app is one page; the only navigation it ever needs is (re)loading that page. */
export const isAllowedNavigation = (url: string): boolean => withoutFragment(url) === APP_INDEX_URL

type HardenableContents = Pick<WebContents, "on" | "setWindowOpenHandler">

/**
 * Applied to every WebContents the app creates, so a link, a script or a compromised page can neither leave the app's
 * page, open another window, nor embed a <webview> (Electron security checklist items 12–14).
 */
export const hardenWebContents = (contents: HardenableContents, log: (line: string) => void): void => {
  contents.on("will-navigate", (event) => {
    if (isAllowedNavigation(event.url)) return
    event.preventDefault()
    log(`blocked navigation to ${event.url}`)
  })
  contents.on("will-redirect", (event) => {
    if (isAppUrl(event.url)) return
    event.preventDefault()
    log(`blocked redirect to ${event.url}`)
  })
  contents.on("will-attach-webview", (event) => {
    event.preventDefault()
    log("blocked a <webview>")
  })
  contents.setWindowOpenHandler(({ url }) => {
    log(`blocked a new window for ${url}`)
    return { action: "deny" }
  })
}
