/** The process's young-generation collections (scavenges) so far, counted from V8's `gc` performance entries. */
import { constants, PerformanceObserver } from "node:perf_hooks"

/** Starts counting; the returned function reads the count of scavenges since. */
export const countScavenges = (): (() => number) => {
  let scavenges = 0
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = ((entry as { readonly detail?: unknown }).detail as { readonly kind?: number } | undefined)?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++
    }
  }).observe({ entryTypes: ["gc"] })
  return () => scavenges
}
