/** Check digit algorithms of carrier tracking numbers. */
import { iso7064Mod37_36 } from "../iso7064Mod37_36.ts"
import type { Checksum } from "./TrackingFormat.ts"

/**
 * The check-digit algorithms of tracking_number_data (its CHECKSUM_ALGORITHMS.md), each over the serial as the
 * format's pattern cuts it, returning the check character the serial should carry. Inputs are upper-case and
 * compact; a character the algorithm cannot weigh gives undefined, never an exception.
 */

const digitValue = (code: number): number => code - 48
const isDigit = (code: number): boolean => code >= 48 && code <= 57

/**
 * Weighted mod 10: the characters (reversed when asked) weighted by `evens` at even and `odds` at odd indexes;
 * a letter counts as (its code - 3) mod 10, as UPS assigns them. Check = (10 - sum mod 10) mod 10. This is GS1's
 * mod 10 with weights 3/1 (USPS, Canada Post's 16-digit PIN), FedEx Ground's with 1/3, UPS's and OnTrac's with 1/2,
 * and Deutsche Post's Identcode with 4/9.
 */
export const weightedMod10 = (serial: string, evens: number, odds: number, reverse: boolean): string | undefined => {
  let sum = 0
  const length = serial.length
  for (let i = 0; i < length; i++) {
    const code = serial.charCodeAt(reverse ? length - 1 - i : i)
    let value: number
    if (isDigit(code)) value = digitValue(code)
    else if (code >= 65 && code <= 90) value = (code - 3) % 10
    else return undefined
    sum += value * (i % 2 === 0 ? evens : odds)
  }
  return String((10 - (sum % 10)) % 10)
}

/** The number mod 7 (DHL Express waybills). */
export const mod7 = (serial: string): string | undefined => {
  if (!/^\d+$/.test(serial)) return undefined
  let remainder = 0
  for (let i = 0; i < serial.length; i++) remainder = (remainder * 10 + digitValue(serial.charCodeAt(i))) % 7
  return String(remainder)
}

/** UPU S10 §5: weights 8 6 4 2 3 5 9 7, 11 - sum mod 11, with 10 -> 0 and 11 -> 5. */
export const s10 = (serial: string): string | undefined => {
  const weights = [8, 6, 4, 2, 3, 5, 9, 7]
  if (!/^\d{8}$/.test(serial)) return undefined
  let sum = 0
  for (let i = 0; i < 8; i++) sum += digitValue(serial.charCodeAt(i)) * weights[i]!
  const check = 11 - (sum % 11)
  return String(check === 10 ? 0 : check === 11 ? 5 : check)
}

/**
 * Luhn (ISO/IEC 7812-1): from the right, every second digit doubled, digits of the products summed; the data set names
 * it for Purolator's 12-digit PIN and Old Dominion's PRO numbers. Catches every single-digit change.
 */
export const luhn = (serial: string): string | undefined => {
  if (!/^\d+$/.test(serial)) return undefined
  let sum = 0
  for (let i = 0; i < serial.length; i++) {
    let value = digitValue(serial.charCodeAt(serial.length - 1 - i))
    if (i % 2 === 0) {
      value *= 2
      if (value > 9) value -= 9
    }
    sum += value
  }
  return String((10 - (sum % 10)) % 10)
}

/** Digits weighted by a fixed list, then sum mod `modulo1` mod `modulo2` (FedEx Express: 3,1,7; 11 then 10). */
export const weightedSumModulo = (
  serial: string,
  weightings: ReadonlyArray<number>,
  modulo1: number,
  modulo2: number
): string | undefined => {
  if (!/^\d+$/.test(serial) || serial.length !== weightings.length || modulo1 < 1 || modulo2 < 1) return undefined
  let sum = 0
  for (let i = 0; i < serial.length; i++) sum += digitValue(serial.charCodeAt(i)) * weightings[i]!
  return String((sum % modulo1) % modulo2)
}

/** The check character `serial` should carry under `checksum`. */
export const expectedCheck = (checksum: Checksum, serial: string): string | undefined => {
  switch (checksum.name) {
    case "mod10":
      return weightedMod10(serial, checksum.evensMultiplier, checksum.oddsMultiplier, checksum.reverse)
    case "mod7":
      return mod7(serial)
    case "s10":
      return s10(serial)
    case "luhn":
      return luhn(serial)
    case "mod_37_36":
      return iso7064Mod37_36(serial)
    case "sum_product_with_weightings_and_modulo":
      return weightedSumModulo(serial, checksum.weightings, checksum.modulo1, checksum.modulo2)
  }
}
