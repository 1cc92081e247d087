import type { Command, CommandIo } from "./Command.ts"
import { writeLine } from "./Command.ts"
import { commands } from "./commands.ts"

const usage = (): string =>
  [
    "usage: packbench <command> [options]",
    "",
    ...commands.map((command) => `  ${command.usage.padEnd(44)} ${command.summary}`)
  ].join("\n")

export const runCommand = async (argv: ReadonlyArray<string>, io: CommandIo): Promise<number> => {
  const [name, ...rest] = argv
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    await writeLine(name === undefined ? io.stderr : io.stdout, usage())
    return name === undefined ? 2 : 0
  }
  const command: Command | undefined = commands.find((candidate) => candidate.name === name)
  if (command === undefined) {
    await writeLine(io.stderr, `packbench: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  return command.run(rest, io)
}

export const main = (argv: ReadonlyArray<string>): Promise<number> =>
  runCommand(argv, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd()
  })
