/** A bench's helper in a process of its own: spawned under tsx, read line by line, stopped by closing its stdin. */
import { spawn } from "node:child_process"

/**
 * Starts `script` with `args` (stderr shared with this process) and calls `onLine` with each line it writes to its
 * stdout, as the lines complete. `send` writes a line to its stdin; `stop` closes its stdin (the helper's cue to end)
 * and resolves with its exit code, as `exited` does whenever it ends.
 */
export const startLineChild = (script: string, args: ReadonlyArray<string>, onLine: (line: string) => void) => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "inherit"] })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  let buffered = ""
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    let newline = buffered.indexOf("\n")
    while (newline !== -1) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf("\n")
      onLine(line)
    }
  })
  return {
    exited,
    send: (line: string) => child.stdin.write(`${line}\n`),
    stop: async () => {
      child.stdin.end()
      return exited
    }
  }
}
