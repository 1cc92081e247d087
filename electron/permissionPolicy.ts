/** The desktop app's permission policy: only the camera, only for its own page. */
import { isAppUrl } from "./appOrigin.ts"

/**
 * Every permission is refused except the camera, which the pack bench uses to scan barcodes, and only for the app's
 * own page and only for video: no microphone, no screen capture, no notifications, no geolocation.
 */
export const allowPermissionRequest = (
  permission: string,
  details: { readonly requestingUrl?: string; readonly mediaTypes?: ReadonlyArray<string> }
): boolean =>
  permission === "media" &&
  isAppUrl(details.requestingUrl) &&
  details.mediaTypes !== undefined &&
  details.mediaTypes.length > 0 &&
  details.mediaTypes.every((type) => type === "video")

/** The synchronous twin Chromium asks before a request (e.g. to list cameras); same rule, audio refused. */
export const allowPermissionCheck = (
  permission: string,
  requestingOrigin: string,
  details: { readonly mediaType?: string }
): boolean => permission === "media" && isAppUrl(requestingOrigin) && details.mediaType !== "audio"
