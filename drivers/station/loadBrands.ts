/** Loads the brand files for package inserts from a directory. */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { decodeBrandFile } from "../../core/insert/BrandFile.ts"
import type { BrandTemplate } from "../../core/insert/BrandTemplate.ts"

/**
 * Every brand file in `dir` (`*.json`), decoded; the default brand is `defaultId` when present, else the first file
 * by name. A bad file stops start-up with a message naming the file, the brand and the field.
 */
export const loadBrands = (
  dir: string,
  defaultId: string
): { readonly brands: ReadonlyArray<BrandTemplate>; readonly fallback: BrandTemplate } => {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
  if (files.length === 0) throw new Error(`No brand files (*.json) in ${dir}: the insert needs at least one brand`)
  const brands = files.map((name) => {
    const path = join(dir, name)
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(path, "utf8"))
    } catch (error) {
      throw new Error(`Brand file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
    return Effect.runSync(decodeBrandFile(path, raw).pipe(Effect.mapError((error) => new Error(error.description))))
  })
  const duplicate = brands.find((brand, index) => brands.findIndex((other) => other.id === brand.id) !== index)
  if (duplicate !== undefined) throw new Error(`Two brand files in ${dir} have the id ${duplicate.id}`)
  return { brands, fallback: brands.find((brand) => brand.id === defaultId) ?? brands[0]! }
}
