/** How the station's process lets V8 grow its heap: for a bench PC that runs for weeks, not for a short batch job. */
import { setFlagsFromString } from "node:v8"

/**
 * How far V8 lets the old generation grow past what the last full collection kept, before the next one (V8's
 * `--heap-growing-percent`: 50 means up to 1.5 times). V8 picks the factor itself by default, up to 4 times on a fast
 * allocator. The station's live heap is small (about 50 MB), but draining a backlog promotes a stream of messages
 * that are only in flight for milliseconds. Measured with `npm run bench:sync` at 100,000 events: peak RSS 297 MB
 * with V8's own factor, 223–226 MB at 50 and 242 MB at 100. The CPU per event stayed within the runs' noise (36–43
 * µs). No hard heap limit is set, so a station whose live heap really grows still runs and is not killed.
 */
export const STATION_HEAP_GROWING_PERCENT = 50

/**
 * Applies `STATION_HEAP_GROWING_PERCENT` to this process. V8 reads the factor at each full collection, so setting it
 * once the process has started takes effect from the next one.
 */
export const tuneStationHeap = (set: (flags: string) => void = setFlagsFromString): void => {
  set(`--heap-growing-percent=${STATION_HEAP_GROWING_PERCENT}`)
}
