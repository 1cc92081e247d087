/** The API slice listing the orders waiting to be packed. */
import { Schema } from "effect"

export const OrderSummary = Schema.Struct({
  orderId: Schema.String,
  customerName: Schema.String,
  country: Schema.String,
  lineCount: Schema.Int,
  itemCount: Schema.Int,
  status: Schema.String
})
export type OrderSummary = typeof OrderSummary.Type

/** The orders waiting at the station, for the station to merge into its one API. */
export const OrdersApi = {
  "orders.open": { input: Schema.Struct({}), output: Schema.Array(OrderSummary) }
} as const
