/** The ISO/IEC 7064 MOD 37,36 check character of Packbench codes and DPD labels. */
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/**
 * ISO/IEC 7064 MOD 37,36 hybrid system over 0-9A-Z (used by DPD parcel labels and Packbench codes).
 * Returns undefined when `data` holds a character outside the alphabet.
 */
export const iso7064Mod37_36 = (data: string): string | undefined => {
  const m = 36
  let product = m
  for (const char of data) {
    const value = alphabet.indexOf(char)
    if (value === -1) return undefined
    let sum = (product + value) % m
    if (sum === 0) sum = m
    product = (sum * 2) % (m + 1)
  }
  return alphabet[(m + 1 - product) % m]
}
