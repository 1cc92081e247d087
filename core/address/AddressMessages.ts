/** The address checker's problem codes and the German and English texts it reports them with. */
import type { AddressField } from "./Address.ts"

export type Locale = "en" | "de"

/** Stable codes a caller may branch on; the texts beside them may change. */
export type AddressErrorCode =
  | "invalid-input"
  | "required"
  | "unknown-country"
  | "unknown-region"
  | "postal-code-format"
  | "postal-code-region-mismatch"
  | "postal-code-unknown"
  | "postal-code-city-mismatch"
  | "house-number-missing"
  | "postnummer-missing"
  | "po-box-refused"
  | "unsupported-characters"
  | "line-too-long"

/** Every message the check can give, with what it needs to say. */
export interface AddressMessages {
  readonly fieldLabel: Readonly<Record<AddressField, string>>
  readonly notText: (field: string, got: string) => string
  readonly notAnObject: (got: string) => string
  readonly notJson: (detail: string) => string
  readonly required: (field: string, country: string) => string
  readonly requiredRecipient: () => string
  readonly unknownCountry: (value: string) => string
  readonly unknownRegion: (value: string, country: string, examples: string) => string
  readonly postalCodeFormat: (value: string, country: string, examples: string) => string
  readonly postalCodeRegionMismatch: (postalCode: string, region: string) => string
  readonly postalCodeUnknown: (postalCode: string, country: string) => string
  readonly postalCodeCityMismatch: (postalCode: string, city: string, places: string) => string
  readonly houseNumberMissing: (street: string, country: string) => string
  readonly postnummerMissing: (point: string) => string
  readonly poBoxRefused: (carrier: string) => string
  readonly packstationRefused: (carrier: string) => string
  readonly unsupportedCharacters: (field: string, characters: string) => string
  readonly latinAddressHint: (country: string, fields: string) => string
  readonly latinRegionHint: (latinName: string) => string
  readonly transliterateHint: () => string
  readonly lineTooLong: (field: string, line: string, length: number, max: number) => string
}

export const englishMessages: AddressMessages = {
  fieldLabel: {
    name: "name",
    company: "company",
    street1: "street",
    street2: "address line 2",
    postalCode: "postal code",
    city: "city",
    region: "region",
    country: "country"
  },
  notText: (field, got) => `The ${field} must be text, not ${got}.`,
  notAnObject: (got) => `An address must be a JSON object with fields like "street1" and "country", not ${got}.`,
  notJson: (detail) => `The line is not valid JSON (${detail}); send one JSON address object per line.`,
  required: (field, country) => `The ${field} is required for addresses in ${country}.`,
  requiredRecipient: () => "A recipient name or company is required.",
  unknownCountry: (value) => `"${value}" is not a country code the address data knows (ISO 3166-1 alpha-2, e.g. DE).`,
  unknownRegion: (value, country, examples) => `"${value}" is not a region of ${country} (e.g. ${examples}).`,
  postalCodeFormat: (value, country, examples) =>
    `"${value}" is not a valid postal code for ${country} (e.g. ${examples}).`,
  postalCodeRegionMismatch: (postalCode, region) => `The postal code ${postalCode} does not belong to ${region}.`,
  postalCodeUnknown: (postalCode, country) =>
    `The postal code ${postalCode} does not exist in ${country}: check it with the customer.`,
  postalCodeCityMismatch: (postalCode, city, places) =>
    `The postal code ${postalCode} is ${places}, not ${city}: one of the two is wrong.`,
  houseNumberMissing: (street, country) =>
    `"${street}" has no house number; addresses in ${country} need one: ask the customer.`,
  postnummerMissing: (point) =>
    `A ${point} delivers only with the customer's DHL Postnummer (6 to 10 digits, e.g. in the address line 2): ask for it.`,
  poBoxRefused: (carrier) => `${carrier} does not deliver to post-office boxes: ask for a street address.`,
  packstationRefused: (carrier) =>
    `${carrier} does not deliver to a Packstation or Postfiliale: ship with DHL or ask for a street address.`,
  unsupportedCharacters: (field, characters) =>
    `The ${field} contains characters the label printer cannot print: ${characters}.`,
  latinAddressHint: (country, fields) =>
    `${country} accepts addresses in Latin script: enter the latinised ${fields} (e.g. from the customer's romanised address).`,
  latinRegionHint: (latinName) => `The region in Latin script is "${latinName}".`,
  transliterateHint: () => "Ask the customer for the address in Latin letters.",
  lineTooLong: (field, line, length, max) =>
    `The ${field} line "${line}" has ${length} characters; the label has room for ${max}: shorten it.`
}

export const germanMessages: AddressMessages = {
  fieldLabel: {
    name: "Name",
    company: "Firma",
    street1: "Straße",
    street2: "Adresszusatz",
    postalCode: "Postleitzahl",
    city: "Ort",
    region: "Region/Bundesstaat",
    country: "Land"
  },
  notText: (field, got) => `Das Feld „${field}“ muss Text sein, nicht ${got}.`,
  notAnObject: (got) => `Eine Adresse muss ein JSON-Objekt mit Feldern wie „street1“ und „country“ sein, nicht ${got}.`,
  notJson: (detail) =>
    `Die Zeile ist kein gültiges JSON (${detail}); bitte eine Adresse als JSON-Objekt pro Zeile senden.`,
  required: (field, country) => `Das Feld „${field}“ ist für Adressen in ${country} Pflicht.`,
  requiredRecipient: () => "Ein Empfängername oder eine Firma ist Pflicht.",
  unknownCountry: (value) => `„${value}“ ist kein bekannter Ländercode (ISO 3166-1 Alpha-2, z. B. DE).`,
  unknownRegion: (value, country, examples) => `„${value}“ ist keine Region von ${country} (z. B. ${examples}).`,
  postalCodeFormat: (value, country, examples) =>
    `„${value}“ ist keine gültige Postleitzahl für ${country} (z. B. ${examples}).`,
  postalCodeRegionMismatch: (postalCode, region) => `Die Postleitzahl ${postalCode} gehört nicht zu ${region}.`,
  postalCodeUnknown: (postalCode, country) =>
    `Die Postleitzahl ${postalCode} gibt es in ${country} nicht: bitte beim Kunden nachfragen.`,
  postalCodeCityMismatch: (postalCode, city, places) =>
    `Die Postleitzahl ${postalCode} gehört zu ${places}, nicht zu ${city}: eins von beiden stimmt nicht.`,
  houseNumberMissing: (street, country) =>
    `„${street}“ hat keine Hausnummer; Adressen in ${country} brauchen eine: bitte beim Kunden nachfragen.`,
  postnummerMissing: (point) =>
    `Eine ${point} stellt nur mit der DHL-Postnummer des Kunden zu (6 bis 10 Ziffern, z. B. im Adresszusatz): bitte erfragen.`,
  poBoxRefused: (carrier) => `${carrier} stellt nicht an Postfächer zu: bitte eine Hausanschrift erfragen.`,
  packstationRefused: (carrier) =>
    `${carrier} stellt nicht an Packstation oder Postfiliale zu: mit DHL versenden oder eine Hausanschrift erfragen.`,
  unsupportedCharacters: (field, characters) =>
    `Das Feld „${field}“ enthält Zeichen, die der Etikettendrucker nicht drucken kann: ${characters}.`,
  latinAddressHint: (country, fields) =>
    `${country} akzeptiert Adressen in lateinischer Schrift: bitte ${fields} in lateinischer Umschrift eingeben.`,
  latinRegionHint: (latinName) => `Die Region in lateinischer Schrift lautet „${latinName}“.`,
  transliterateHint: () => "Bitte die Adresse in lateinischen Buchstaben beim Kunden erfragen.",
  lineTooLong: (field, line, length, max) =>
    `Die Zeile „${line}“ (${field}) hat ${length} Zeichen, auf dem Etikett ist Platz für ${max}: bitte kürzen.`
}

export const messagesFor = (locale: Locale): AddressMessages => (locale === "de" ? germanMessages : englishMessages)
