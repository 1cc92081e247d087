/** Checks that an IPC payload is plain JSON data, so the main process never takes a crafted object for data. */
const MAX_DEPTH = 32

/**
 * True for values that survive structured cloning and JSON unchanged: plain objects, arrays, strings, finite numbers,
 * booleans and null. Class instances, functions, Dates, Maps and cycles are refused so the main process never
 * receives something a page constructed to behave differently from the data it claims to be.
 */
export const isPlainJson = (value: unknown, depth = 0): boolean => {
  if (depth > MAX_DEPTH) return false
  if (value === null || typeof value === "string" || typeof value === "boolean") return true
  if (typeof value === "number") return Number.isFinite(value)
  if (typeof value !== "object") return false
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1))
  // Compared by shape, not identity: objects cloned across contextBridge carry another realm's Object.prototype.
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) return false
  return Object.values(value).every((item) => isPlainJson(item, depth + 1))
}

/** A plain object (not an array, not null) whose contents are plain JSON: the shape of every API input. */
export const isPlainJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && isPlainJson(value)
