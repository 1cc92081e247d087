/** Joins a number to its unit ("20 %", "12,5 kg", "350 g") so that a line never ends between the two. */

/**
 * A number, one space, then a percent sign or a unit the station writes, not followed by a letter ("3 mal" stays): the
 * space becomes U+00A0, the no-break space ICU itself puts into "20 %" and "12,90 €" (DIN 5008 writes a space there,
 * and typography forbids a break at it).
 */
const NUMBER_SPACE_UNIT = /(\d) (%|kg|g|mm|cm|€)(?![\p{L}\p{N}])/gu

/** `text` with the space between each number and its unit made a no-break space. */
export const keepUnitsTogether = (text: string): string => text.replace(NUMBER_SPACE_UNIT, "$1\u00a0$2")
