/**
 * Full year for a GS1 two-digit year (GS1 General Specifications 7.12): relative to the reference
 * year, a YY more than 50 years ahead is in the previous century and one 50 or more years behind is
 * in the next, so the window is reference-49 .. reference+50.
 */
export const gs1FullYear = (yy: number, referenceYear: number): number => {
  const referenceCentury = Math.floor(referenceYear / 100) * 100
  const difference = yy - (referenceYear % 100)
  if (difference >= 51) return referenceCentury - 100 + yy
  if (difference <= -50) return referenceCentury + 100 + yy
  return referenceCentury + yy
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/**
 * Checks a date of `digits` ("YYMMDD" or "YYYYMMDD"); undefined when valid, else why not. With
 * `dayZeroAllowed`, DD = 00 means "end of the month" (GS1 General Specifications 3.4.5 for AIs 11-17).
 */
export const gs1DateProblem = (digits: string, referenceYear: number, dayZeroAllowed: boolean): string | undefined => {
  const yearDigits = digits.length - 4
  const rawYear = Number(digits.slice(0, yearDigits))
  const year = yearDigits === 2 ? gs1FullYear(rawYear, referenceYear) : rawYear
  const month = Number(digits.slice(yearDigits, yearDigits + 2))
  const day = Number(digits.slice(yearDigits + 2))
  if (month < 1 || month > 12) return `month ${digits.slice(yearDigits, yearDigits + 2)} is not 01-12`
  if (day === 0 && dayZeroAllowed) return undefined
  if (day < 1 || day > daysInMonth(year, month)) {
    return `day ${digits.slice(yearDigits + 2)} does not exist in ${year}-${String(month).padStart(2, "0")}`
  }
  return undefined
}
