/** The React hook that keeps the bench's scale view live. */
import { useEffect, useState } from "react"
import type { ScaleView } from "../../../core/api/StationApi.ts"
import { useStationContext } from "./StationContext.ts"

/**
 * The bench's scale as it is now: loaded once, then kept live by the `scale` push (every new weight, stable flag or
 * state), and reloaded on reconnect, since pushes sent while the transport was down are lost.
 */
export const useScale = (): ScaleView | undefined => {
  const { client } = useStationContext()
  const [scale, setScale] = useState<ScaleView>()
  useEffect(() => {
    let current: string | undefined
    const load = () =>
      client.call("scale.state", {}).then(
        (scales) => {
          const first = scales[0]
          current = first?.deviceId
          setScale(first)
        },
        () => setScale(undefined)
      )
    load()
    const stops = [
      client.onPush("scale", (view) => {
        if (current === undefined || view.deviceId === current) {
          current = view.deviceId
          setScale(view)
        }
      }),
      client.onConnection((state) => state === "connected" && void load())
    ]
    return () => {
      for (const stop of stops) stop()
    }
  }, [client])
  return scale
}
