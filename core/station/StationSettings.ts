/** The service for settings an operator can change at the station. */
import { Context, Effect, Layer, Ref } from "effect"
import type { Locale } from "../config/StationConfig.ts"
import { Sql, type StoreError } from "../store/Sql.ts"

/** Settings an operator can change at the station; kept in the station database so they survive a restart. */
export class StationSettings extends Context.Service<
  StationSettings,
  {
    readonly name: string
    readonly locale: Effect.Effect<Locale>
    readonly setLocale: (locale: Locale) => Effect.Effect<void, StoreError>
  }
>()("packbench/core/station/StationSettings") {
  static readonly layer = (defaults: { readonly name: string; readonly locale: Locale }) =>
    Layer.effect(
      StationSettings,
      Effect.gen(function* () {
        const sql = yield* Sql
        const stored = yield* sql.query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'locale'")
        const initial = stored[0]?.value
        const locale = yield* Ref.make<Locale>(initial === "de" || initial === "en" ? initial : defaults.locale)
        return StationSettings.of({
          name: defaults.name,
          locale: Ref.get(locale),
          setLocale: (next) =>
            sql
              .execute(
                "INSERT INTO station_meta (key, value) VALUES ('locale', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [next]
              )
              .pipe(Effect.andThen(Ref.set(locale, next)))
        })
      })
    )
}
