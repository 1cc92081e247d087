/** A React hook that runs an API query and reloads it on the named pushes and on reconnects. */
import { useCallback, useEffect, useRef, useState } from "react"
import type { ApiInput, ApiName, ApiOutput, PushName } from "../../../core/api/StationApi.ts"
import { useStationContext } from "./StationContext.ts"

export interface ApiQuery<N extends ApiName> {
  readonly data: ApiOutput<N> | undefined
  readonly error: unknown
  readonly reload: () => void
}

/**
 * Loads one query and reloads it when one of the named pushes arrives, when `revision` changes, or when the transport
 * reconnects (pushes sent while it was down are lost), so screens stay live without polling the station. `revision`
 * is for a query whose answer follows part of a frequent push (the status): the caller derives it from that part, so
 * the query is not sent again for every push that leaves it as it was.
 */
export const useApiQuery = <N extends ApiName>(
  name: N,
  input: ApiInput<N>,
  refreshOn: ReadonlyArray<PushName>,
  revision?: string
): ApiQuery<N> => {
  const { client } = useStationContext()
  const [data, setData] = useState<ApiOutput<N>>()
  const [error, setError] = useState<unknown>()
  const latest = useRef(0)
  const inputKey = JSON.stringify(input)
  const pushKey = refreshOn.join(",")

  const reload = useCallback(() => {
    const request = ++latest.current
    client.call(name, JSON.parse(inputKey) as ApiInput<N>).then(
      (value) => {
        if (request !== latest.current) return
        setData(value)
        setError(undefined)
      },
      (failure: unknown) => {
        if (request === latest.current) setError(failure)
      }
    )
  }, [client, name, inputKey])

  useEffect(() => {
    reload()
    const stops = pushKey
      .split(",")
      .filter((push) => push !== "")
      .map((push) => client.onPush(push as PushName, reload))
    stops.push(client.onConnection((state) => state === "connected" && reload()))
    return () => {
      for (const stop of stops) stop()
    }
  }, [client, reload, pushKey])

  // The first load is the effect's above; a revision reloads only once it moves from the one seen last.
  const revisionSeen = useRef(revision)
  useEffect(() => {
    if (revision === revisionSeen.current) return
    revisionSeen.current = revision
    reload()
  }, [revision, reload])

  return { data, error, reload }
}
