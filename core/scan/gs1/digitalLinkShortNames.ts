/** The short names ("convenience alphas") a GS1 Digital Link path may use in place of an AI's digits. */

/**
 * Digital Link 1.1 let a path name a primary key or key qualifier by a short name (`/gtin/…/ser/…`); 1.2 deprecates
 * them for new URIs but still lists the primary-key names in the regular expressions of its section 6, and labels
 * printed under 1.1 stay in circulation, so a reader accepts them. Data attributes in the query never had short names.
 */
export const digitalLinkShortNames: Readonly<Record<string, string>> = {
  // Primary keys.
  gtin: "01",
  itip: "8006",
  gmn: "8013",
  cpid: "8010",
  gln: "414",
  party: "417",
  gsrnp: "8017",
  gsrn: "8018",
  gcn: "255",
  sscc: "00",
  gdti: "253",
  ginc: "401",
  gsin: "402",
  grai: "8003",
  giai: "8004",
  // Key qualifiers.
  cpv: "22",
  lot: "10",
  ser: "21",
  glnx: "254",
  srin: "8019",
  cpsn: "8011"
}

/** The AI a path segment names: its digits, or the AI behind a short name; undefined for anything else. */
export const aiOfPathSegment = (segment: string): string | undefined =>
  /^\d{2,4}$/.test(segment)
    ? segment
    : Object.hasOwn(digitalLinkShortNames, segment)
      ? digitalLinkShortNames[segment]
      : undefined
