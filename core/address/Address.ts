/** A ship-to address as the shop sends it; `country` is ISO 3166-1 alpha-2. */
export interface Address {
  readonly name?: string
  readonly company?: string
  readonly street1?: string
  readonly street2?: string
  readonly postalCode?: string
  readonly city?: string
  readonly region?: string
  readonly country?: string
}

export type AddressField = keyof Address

export const addressFields: ReadonlyArray<AddressField> = [
  "name",
  "company",
  "street1",
  "street2",
  "postalCode",
  "city",
  "region",
  "country"
]

/** Whether two addresses name the same place in the same words: every field equal, an absent one equal only to absent. */
export const sameAddress = (
  a: { readonly [F in AddressField]?: string | undefined },
  b: { readonly [F in AddressField]?: string | undefined }
): boolean => addressFields.every((field) => a[field] === b[field])
