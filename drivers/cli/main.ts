/** The `packbench` command line: picks the command, prints usage and version, returns its exit code. */
import { readFileSync } from "node:fs"
import type { Command, CommandIo } from "./Command.ts"
import { writeLine } from "./Command.ts"
import { commands } from "./commands.ts"

const usage = (): string =>
  [
    "usage: packbench <command> [options]   (packbench --version, packbench <command> --help)",
    "",
    ...commands.map((command) => `  ${command.usage.padEnd(44)} ${command.summary}`)
  ].join("\n")

/** The version of the installed package, as `packbench --version` prints it. */
export const packageVersion = (): string => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    readonly version?: unknown
  }
  return typeof manifest.version === "string" ? manifest.version : "unknown"
}

export const runCommand = async (argv: ReadonlyArray<string>, io: CommandIo): Promise<number> => {
  const [name, ...rest] = argv
  if (name === "--version" || name === "version") {
    await writeLine(io.stdout, `packbench ${packageVersion()}`)
    return 0
  }
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
