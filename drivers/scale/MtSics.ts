/**
 * Mettler-Toledo Standard Interface Command Set (MT-SICS), level 0: the commands every MT-SICS balance and weighing
 * terminal answers. Commands and replies are ASCII lines ended by CR LF (MT-SICS Reference Manual, "Command formats").
 */

/** `SI`: send the current weight at once, stable or not (reply `S S …` or `S D …`). */
export const SEND_IMMEDIATELY = "SI\r\n"
/** `SIR`: send the current weight at once and then repeatedly, until the next command (continuous output). */
export const SEND_REPEATEDLY = "SIR\r\n"
/** `@`: reset; cancels a running `SIR` so the scale stops streaming. */
export const RESET = "@\r\n"

/** Units MT-SICS replies may carry, with their grams: the avoirdupois pound and ounce are exact by definition. */
const gramsPerUnit: Readonly<Record<string, number>> = {
  mg: 0.001,
  g: 1,
  kg: 1000,
  lb: 453.592_37,
  oz: 28.349_523_125
}

export type MtSicsReply =
  | {
      readonly _tag: "Weight"
      readonly stable: boolean
      readonly grams: number
      readonly value: string
      readonly unit: string
    }
  | { readonly _tag: "Fault"; readonly reason: string }
  /** A reply to a command the driver does not send (an echo, `I4` …): nothing to do with the weight, not an error. */
  | { readonly _tag: "Other"; readonly line: string }

/** Replies to `S`/`SI`/`SIR`: "S", status, the weight right-aligned in 10 characters, the unit. */
const weightLine = /^S\s+([SD])\s+([-+]?\d+(?:\.\d+)?)\s+(\S+)$/

const faults: Readonly<Record<string, string>> = {
  "S I": "the scale cannot send a weight now (busy: taring, zeroing or a timeout); wait, then weigh again",
  "SI I": "the scale cannot send a weight now (busy: taring, zeroing or a timeout); wait, then weigh again",
  "S +": "the scale is overloaded: take the parcel off and check the scale's capacity",
  "SI +": "the scale is overloaded: take the parcel off and check the scale's capacity",
  "S -": "the scale reads below zero (underload): is the pan seated? Clear it and zero the scale",
  "SI -": "the scale reads below zero (underload): is the pan seated? Clear it and zero the scale",
  ES: "the scale did not understand the command (ES, syntax error): is it set to MT-SICS?",
  ET: "the scale received a garbled command (ET, transmission error): check baud rate, parity and cable",
  EL: "the scale cannot run the command now (EL, logical error)"
}

/** Printable ASCII only, so a reply shown in a message cannot carry control bytes into the UI. */
const visible = (line: string) =>
  line.replace(/[^\x20-\x7e]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`)

/**
 * Reads one reply line (without its CR LF). A line that is neither a weight, a known fault, nor an MT-SICS reply at
 * all is a fault that quotes it: a wrong baud rate or a scale in another protocol shows up here.
 */
export const parseMtSicsLine = (line: string): MtSicsReply => {
  const text = line.trim()
  const weight = weightLine.exec(text)
  if (weight !== null) {
    const [, status, value, unit] = weight as unknown as [string, string, string, string]
    const factor = gramsPerUnit[unit]
    if (factor === undefined) {
      return {
        _tag: "Fault",
        reason: `the scale reports in "${visible(unit)}", which the station cannot convert to grams: set it to g, kg, lb or oz`
      }
    }
    // Tenths of a gram are below any parcel scale's resolution; rounding keeps lb/oz conversions free of float noise.
    const grams = Math.round(Number(value) * factor * 10) / 10
    return { _tag: "Weight", stable: status === "S", grams, value, unit }
  }
  const fault = faults[text.replace(/\s+/g, " ")]
  if (fault !== undefined) return { _tag: "Fault", reason: fault }
  if (/^[A-Z][A-Z0-9]{0,3}( [A-Z+-] ?.*)?$/.test(text) && text.length <= 80) return { _tag: "Other", line: text }
  return {
    _tag: "Fault",
    reason: `not an MT-SICS reply: "${visible(line.slice(0, 40))}"${line.length > 40 ? "…" : ""} (check the baud rate and that the scale speaks MT-SICS)`
  }
}
