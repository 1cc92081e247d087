/** The path of a device file a setting names: a printer's, a scanner's or a scale's port. */
import { Schema } from "effect"
import { quotedOneLine } from "../bounds/oneLine.ts"
import { settingTextProblem } from "./SettingText.ts"

/** `/dev/serial/by-id/` names run to about 100 characters: a longer path is a mistake, not a device. */
export const MAX_DEVICE_PATH_CHARS = 255

/**
 * An absolute path (`/dev/usb/lp0`, `/dev/serial/by-id/usb-…`), or on Windows a port (`COM3`, `LPT1`) or a path in the
 * device namespace (`\\.\COM12`). A relative path would be read from whichever directory the station was started in.
 */
const DEVICE_PATH = /^(?:\/[^/]|\\\\[.?]\\\S|(?:COM[1-9]\d{0,2}|LPT[1-9])$)/

/** What is wrong with `text` as a device path, or undefined (one line, at most 255 characters, absolute). */
export const devicePathProblem = (text: string): string | undefined =>
  settingTextProblem(text, MAX_DEVICE_PATH_CHARS) ??
  (DEVICE_PATH.test(text)
    ? undefined
    : `expected an absolute device path such as /dev/usb/lp0 or /dev/ttyUSB0 (COM3 on Windows), got ${quotedOneLine(text, 60)}`)

export const DevicePath = Schema.String.check(Schema.makeFilter((text: string) => devicePathProblem(text)))
