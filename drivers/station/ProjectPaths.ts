/** Paths of the project root and the built UI. */
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository (or installed package) root, found from this file. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)))
/** The built UI that the HTTP transport serves. */
export const DEFAULT_STATIC_DIR = join(PROJECT_ROOT, "renderer", "dist")
/** The sample shop's data a station reads as files: catalog, orders, badges, boxes, brands, carriers, refund rules. */
export const SAMPLE_DATA_DIR = join(PROJECT_ROOT, "fixtures", "data")
