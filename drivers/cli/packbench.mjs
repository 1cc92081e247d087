#!/usr/bin/env node
// The installed `packbench` command. The station is written in TypeScript and runs through tsx's
// loader, so there is no build step between a checkout and a running station.
import { register } from "tsx/esm/api"

register()
const { main } = await import("./main.ts")
const code = await main(process.argv.slice(2))
// A command has finished and closed what it opened: exit now with its code. A supervisor (systemd, Docker) reads
// the status; a stray timer or socket in a library must not keep a stopped or failed station looking alive.
process.exit(code)
