/** How a shop's mail and tracking page look and who they come from. */
export interface Brand {
  readonly id: string
  readonly name: string
  /** Sender of customer mail, e.g. "Alpenglow <service@alpenglow.example>". */
  readonly from: string
  readonly supportEmail: string
  /** Accent colour for buttons and headings; must stay readable on white (WCAG AA for large text). */
  readonly accentColor: string
  /** Where the feedback request and address correction links point. */
  readonly shopUrl: string
}

export const defaultBrands: ReadonlyArray<Brand> = [
  {
    id: "alpenglow",
    name: "Alpenglow",
    from: "Alpenglow <service@alpenglow.example>",
    supportEmail: "service@alpenglow.example",
    accentColor: "#b4442c",
    shopUrl: "https://shop.alpenglow.example"
  }
]

/** Orders of an unknown brand still get mail, in the first brand's look rather than none. */
export const brandFor = (brands: ReadonlyArray<Brand>, id: string): Brand =>
  brands.find((brand) => brand.id === id) ?? brands[0] ?? { ...defaultBrands[0]!, id }
