/**
 * GS1 standard check digit (GS1 General Specifications 7.9.1): weights 3 and 1 alternate from the
 * rightmost data digit, check = (10 - sum mod 10) mod 10. Same for GTIN-8/12/13/14, GLN, SSCC, GSIN.
 */
export const gs1CheckDigit = (digitsWithoutCheck: string): number => {
  let sum = 0
  for (let i = digitsWithoutCheck.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (digitsWithoutCheck.charCodeAt(i) - 48) * weight
  }
  return (10 - (sum % 10)) % 10
}

/** True when `digits` is all digits and its last digit is the GS1 check digit of the rest. */
export const hasValidGs1CheckDigit = (digits: string): boolean =>
  /^\d{2,}$/.test(digits) && gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48
