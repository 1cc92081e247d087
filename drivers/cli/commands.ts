import type { Command } from "./Command.ts"

/** Every `packbench` sub-command, in the order `packbench help` lists them. */
export const commands: ReadonlyArray<Command> = []
