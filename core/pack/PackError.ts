import { ApiError } from "../api/ApiError.ts"
import type { StoreError } from "../store/Sql.ts"

export const storeFailure = (error: StoreError) =>
  new ApiError({
    code: error.reason === "DiskFull" || error.reason === "ReadOnly" ? "store-refused" : "store-unavailable",
    message: `The station database refused the operation (${error.reason}): ${error.message}`
  })
