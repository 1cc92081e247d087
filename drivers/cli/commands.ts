import type { Command } from "./Command.ts"
import { addressCommand } from "./commands/address.ts"
import { scanCommand } from "./commands/scan.ts"

/** Every `packbench` sub-command, in the order `packbench help` lists them. */
export const commands: ReadonlyArray<Command> = [scanCommand, addressCommand]
