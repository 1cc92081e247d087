#!/usr/bin/env node
// The installed `packbench` command. The station is written in TypeScript and runs through tsx's
// loader, so there is no build step between a checkout and a running station.
import { register } from "tsx/esm/api"

register()
const { main } = await import("./main.ts")
process.exitCode = await main(process.argv.slice(2))
