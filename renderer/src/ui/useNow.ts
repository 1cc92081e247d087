/** A clock for ages shown on screen ("for 3 min"): the component re-renders every few seconds and reads the time. */
import { useEffect, useState } from "react"

/** Re-renders every `everyMs` so ages stay true between pushes; a render reads the time afresh. */
export const useNow = (everyMs: number): number => {
  const [, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((tick) => tick + 1), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return Date.now()
}
