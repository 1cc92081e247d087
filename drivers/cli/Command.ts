/** The shape of a `packbench` sub-command and the streams it talks through. */
import type { Readable, Writable } from "node:stream"

/** The streams a command talks through; tests pass their own to run a command in-process. */
export interface CommandIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
}

/**
 * One `packbench` sub-command. `run` returns the process exit code: 0 for success, 1 for a failure the
 * command reported, 2 for a usage error. Commands print their own clear message before returning
 * non-zero; they never leave an error only as a stack trace.
 */
export interface Command {
  readonly name: string
  readonly usage: string
  readonly summary: string
  readonly run: (argv: ReadonlyArray<string>, io: CommandIo) => Promise<number>
}

export const writeLine = (stream: Writable, line: string): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.write(`${line}\n`, (error) => (error ? reject(error) : resolve()))
  })
