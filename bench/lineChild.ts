/** A bench's helper in a process of its own: spawned under tsx, read line by line, stopped by closing its stdin. */
import { spawn } from "node:child_process"

/**
 * Starts `script` with `args` (stderr shared with this process) and resolves once it says it is ready: the first line
 * `ready` makes something of (not undefined), which the result carries as `ready`. Every other line it writes to its
 * stdout goes to `onLine`, as the lines complete. Rejects if the helper ends before it was ready. `send` writes a line
 * to its stdin; `stop` closes its stdin (the helper's cue to end) and resolves with its exit code.
 */
export const startLineChild = <Ready>(
  script: string,
  args: ReadonlyArray<string>,
  ready: (line: string) => Ready | undefined,
  onLine: (line: string) => void = (line) => {
    throw new Error(`${script} wrote an unexpected line: ${JSON.stringify(line)}`)
  }
) => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "inherit"] })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return new Promise<{
    readonly ready: Ready
    readonly send: (line: string) => void
    readonly stop: () => Promise<number | null>
  }>((resolve, reject) => {
    let isReady = false
    let buffered = ""
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      let newline = buffered.indexOf("\n")
      while (newline !== -1) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        newline = buffered.indexOf("\n")
        const said = isReady ? undefined : ready(line)
        if (said === undefined) {
          onLine(line)
          continue
        }
        isReady = true
        resolve({
          ready: said,
          send: (text) => {
            child.stdin.write(`${text}\n`)
          },
          stop: async () => {
            child.stdin.end()
            return exited
          }
        })
      }
    })
    void exited.then((code) => reject(new Error(`${script} ended before it was ready (exit code ${code})`)))
  })
}
