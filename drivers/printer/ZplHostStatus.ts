/** Asks a ZPL label printer for its host status and reads the reply. */
import type { PrinterStatus } from "../../core/print/Printer.ts"
import type { SimulatedPrinterState } from "./SimulatedPrinterState.ts"

/** ~HS ("~HS Host Status Return", ZPL II Programming Guide): the query a label printer answers anytime. */
export const HOST_STATUS_QUERY = "~HS"

const STX = "\x02"
const ETX = "\x03"

/**
 * The three-string ~HS reply, each string framed STX ... ETX CR LF. String 1 is
 * `aaa,b,c,dddd,eee,f,g,h,iii,j,k,l` with b = paper out flag and c = pause flag; string 2 is
 * `mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www` with o = head up (open) flag; string 3 is `xxxx,y`.
 */
export const formatHostStatus = (state: SimulatedPrinterState): string => {
  const paperOut = state === "paperOut" ? 1 : 0
  const paused = state === "paused" || state === "paperOut" || state === "headOpen" ? 1 : 0
  const headOpen = state === "headOpen" ? 1 : 0
  return [`030,${paperOut},${paused},1218,000,0,0,0,000,0,0,0`, `001,0,${headOpen},0,1,2,4,0,00000000,1,000`, "1234,0"]
    .map((line) => `${STX}${line}${ETX}\r\n`)
    .join("")
}

/** Whether `reply` holds all three framed strings yet. */
export const isCompleteHostStatus = (reply: string): boolean => reply.split(ETX).length > 3

/**
 * Reads a ~HS reply; head open wins over paper out, which wins over pause, because a real printer
 * pauses itself on both and the operator must fix the cause first. `undefined` on a malformed reply.
 */
export const parseHostStatus = (reply: string): PrinterStatus | undefined => {
  const strings = reply
    .split(ETX)
    .slice(0, -1)
    .map((framed) => framed.slice(framed.lastIndexOf(STX) + 1).split(","))
  const [first, second] = strings
  if (first === undefined || second === undefined || first.length < 12 || second.length < 11) return undefined
  const flag = (value: string | undefined) => value === "1"
  if (flag(second[2])) return "HeadOpen"
  if (flag(first[1])) return "PaperOut"
  if (flag(first[2])) return "Paused"
  return "Online"
}
